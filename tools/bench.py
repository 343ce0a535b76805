#!/usr/bin/env python3
"""``make bench``: what pipshim costs, measured side by side in one run.

Each case runs a command through the real shim and its baseline without pipshim,
interleaved, each side first in turn (A B B A …), after one warm-up run of each, and
reports the medians and the median of the pairs' ratios (the ratio checked against the
goal). Every
thing it needs (shims, local wheels, projects, venvs, HOME) is made in a temp dir; it
runs offline and never installs into the system Python.

    .dev/bin/python tools/bench.py [--runs 11] [--markdown] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_PIP = "/usr/bin/pip"
PYPROJECT = '[project]\nname = "bench"\nversion = "0"\n'

Run = Callable[[int], "tuple[list, Path]"]  # run index (-1: warm-up) -> (argv or [argv, …] run in turn, cwd)


class BenchError(Exception):
    pass


@dataclass
class Case:
    name: str
    target: float | None  # the ratio shim/baseline must not exceed
    check: str  # "routed": the shim says it used the cwd's .venv ("routed:PATH": PATH); "same": identical output
    shim: Run
    base: Run
    env: dict | None = None  # instead of the bench's environment
    show_ratio: bool = False  # a ratio worth reading though there is no goal (the floor)


def at(cmd: list[str], cwd: Path) -> Run:
    def same(i: int) -> tuple[list, Path]:
        return cmd, cwd

    same.repeatable = True  # every run is the same command: fast ones are run more often
    return same


# a fast case runs until each side has had about this much time (at most MAX_RUNS runs): the
# python shim's 1-2 ms on a 20 ms start needs more samples than pip's 5 ms on 250 ms, and a
# pip row's median here moves by a few % between runs of 20: 20 s per side keeps it to ~1-2 %
SIDE_BUDGET_MS = 20000
MAX_RUNS = 200
# a 1.02 goal on a 500-700 ms pip call is 10-14 ms, while this machine's runs of the same
# command spread by 50-100 ms: such rows get at least this many runs a side
MIN_RUNS_TIGHT = 100


@dataclass
class Row:
    name: str
    shim_ms: float
    base_ms: float | None
    target: float | None
    shim_cpu: float | None = None  # user+sys of the children, ms
    base_cpu: float | None = None
    limit_ms: float | None = None  # an absolute goal for shim_ms instead of a ratio
    show_ratio: bool = False
    added: tuple[float, float] | None = None  # what pipshim adds: the mean of the paired differences, ± 95 %
    paired: float | None = None  # the median of the paired ratios (each shim run / the baseline run beside it)
    instructions: tuple[int, int] | None = None  # --instructions: (pipshim, baseline), counted by callgrind

    @property
    def ratio(self) -> float | None:
        """The paired ratio where runs were paired, else the ratio of the medians."""
        if self.paired is not None:
            return self.paired
        return self.shim_ms / self.base_ms if self.base_ms else None

    @property
    def instructions_ratio(self) -> float | None:
        return self.instructions[0] / self.instructions[1] if self.instructions else None

    @property
    def cpu_ratio(self) -> float | None:
        return self.shim_cpu / self.base_cpu if self.shim_cpu and self.base_cpu else None


def load_wheels_module():
    spec = importlib.util.spec_from_file_location("pipshim_test_wheels", REPO / "tests" / "wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def commands(cmd: list) -> list[list[str]]:
    return cmd if cmd and isinstance(cmd[0], list) else [cmd]


def run(cmd: list, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    outs = []
    for one in commands(cmd):
        out = subprocess.run(one, cwd=cwd, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"{' '.join(one)} (in {cwd}) exited {out.returncode}:\n{out.stdout}{out.stderr}")
        outs.append(out)
    return subprocess.CompletedProcess(cmd, 0, "".join(o.stdout for o in outs), "".join(o.stderr for o in outs))


def timed(cmd: list, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user+sys of the children) in ms."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for one in commands(cmd):
        rc = subprocess.run(one, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        if rc != 0:
            raise BenchError(f"{' '.join(one)} (in {cwd}) exited {rc}")
    elapsed = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return elapsed, cpu


class Bench:
    def __init__(self, root: Path, runs: int, instructions: bool = False) -> None:
        self.root = root
        self.runs = runs
        self.instructions = instructions
        self.bin = root / "bin"
        from pipshim import shims

        if shims.install(str(self.bin), sys.executable, shims.default_names()) != 0:
            raise BenchError(f"could not write the shims into {self.bin}")
        wheelhouse = load_wheels_module().build_wheelhouse(root / "wheels")
        (root / "home").mkdir()
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(root / "home"),
            "LANG": "C.UTF-8",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheelhouse),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "VIRTUALENV_OVERRIDE_APP_DATA": str(root / "app-data"),
            # an ordinary user, whatever this machine is (root in a container would mean /opt/venv)
            "PIPSHIM_ROOT": "0",
            "PIPSHIM_CONTAINER": "0",
        }
        self.empty = root / "empty"  # not a project
        self.empty.mkdir()
        self.project = self.new_project("project")
        run([str(self.bin / "pip"), "install", "demo-lib"], self.project, self.env)  # creates .venv
        self.venv_pip = str(self.project / ".venv" / "bin" / "pip")

    def new_project(self, name: str, with_venv: bool = False) -> Path:
        path = self.root / name
        path.mkdir(parents=True)
        (path / "pyproject.toml").write_text(PYPROJECT)
        if with_venv:  # made exactly as the shim makes it
            run([str(self.bin / "pipshim"), "venv"], path, self.env)
        return path

    def user_env_home(self) -> dict[str, str]:
        """A second HOME whose user environment exists (made by `pip install --user`, as a user would)."""
        env = dict(self.env, HOME=str(self.root / "home-user-env"))
        Path(env["HOME"]).mkdir()
        run([str(self.bin / "pip"), "install", "--user", "demo-lib"], self.empty, env)
        return env

    def cases(self) -> list[Case]:
        pip, inst = str(self.bin / "pip"), ["install", "demo-lib"]
        fresh = {i: self.new_project(f"fresh/{i}") for i in range(-1, self.runs)}
        ready = {i: self.new_project(f"ready/{i}", with_venv=True) for i in range(-1, self.runs)}
        fresh2 = {i: self.new_project(f"fresh2/{i}") for i in range(-1, self.runs)}
        bare = {i: self.new_project(f"bare/{i}") for i in range(-1, self.runs)}
        explain = [str(self.bin / "pipshim"), "explain", "--", "pip", *inst]
        venv = self.project / ".venv"
        active = dict(self.env, VIRTUAL_ENV=str(venv), PATH=f"{self.bin}:{venv}/bin:/usr/bin:/bin")
        user = self.user_env_home()
        user_pip = str(Path(user["HOME"]) / ".local" / "share" / "pipshim" / "venv" / "bin" / "pip")

        def venv_then_pip(i: int) -> tuple[list, Path]:
            target = bare[i] / ".venv"
            return [
                [SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(target)],
                [SYSTEM_PIP, "--python", str(target / "bin" / "python"), *inst],
            ], bare[i]

        cases = [
            Case(
                "pip --version, not in a project (vs /usr/bin/pip)",
                1.02,
                "same",
                at([pip, "--version"], self.empty),
                at([SYSTEM_PIP, "--version"], self.empty),
            ),
            Case(
                "pip list in a project (vs .venv/bin/pip list)",
                1.02,
                "routed",
                at([pip, "list"], self.project),
                at([self.venv_pip, "list"], self.project),
            ),
            Case(
                "pip install demo-lib, already satisfied (vs .venv/bin/pip)",
                1.02,
                "routed",
                at([pip, *inst], self.project),
                at([self.venv_pip, *inst], self.project),
            ),
            Case(
                "pip --version, active venv: passthrough (vs $VIRTUAL_ENV/bin/pip)",
                1.02,
                "same",
                at([pip, "--version"], self.empty),
                at([self.venv_pip, "--version"], self.empty),
                env=active,
            ),
            Case(
                "pip --version outside projects, user env exists (vs its bin/pip)",
                1.02,
                f"routed:{os.path.dirname(os.path.dirname(user_pip))}",
                at([pip, "--version"], self.empty),
                at([user_pip, "--version"], self.empty),
                env=user,
            ),
            Case(
                "first install, creates .venv (vs install into an existing .venv)",
                1.3,
                "routed",
                lambda i: ([pip, *inst], fresh[i]),
                lambda i: ([str(ready[i] / ".venv" / "bin" / "pip"), *inst], ready[i]),
            ),
            Case(
                "first install, creates .venv (vs `venv --without-pip` + `pip --python`)",
                1.1,
                "routed",
                lambda i: ([pip, *inst], fresh2[i]),
                venv_then_pip,
            ),
            Case(
                "python3 -c pass, not in a project (vs /usr/bin/python3)",
                1.05,  # the python shim's goal in a project: the same sh, one walk longer
                "same",
                at([str(self.bin / "python3"), "-c", "pass"], self.empty),
                at([SYSTEM_PYTHON, "-c", "pass"], self.empty),
            ),
            Case(
                "python3 -c pass in a project (vs .venv/bin/python3)",
                1.05,
                "same",
                at([str(self.bin / "python3"), "-c", "pass"], self.project),
                at([str(self.project / ".venv" / "bin" / "python3"), "-c", "pass"], self.project),
            ),
            Case(
                "floor of any sh shim: `sh -c 'exec .venv/bin/python3 -c pass'` (vs .venv/bin/python3)",
                None,
                "same",
                at(["/bin/sh", "-c", f"exec {self.project / '.venv' / 'bin' / 'python3'} -c pass"], self.project),
                at([str(self.project / ".venv" / "bin" / "python3"), "-c", "pass"], self.project),
                show_ratio=True,
            ),
            Case(
                "decision: `pipshim explain -- pip install demo-lib` (vs bare `python -I`)",
                None,
                "",
                at(explain, self.project),
                at([sys.executable, "-I", "-c", "pass"], self.project),
            ),
        ]
        uv = uv_binary()
        if uv:
            fresh3 = {i: self.new_project(f"fresh3/{i}") for i in range(-1, self.runs)}
            bare_uv = {i: self.new_project(f"bare-uv/{i}") for i in range(-1, self.runs)}

            def uv_venv_install(i: int) -> tuple[list, Path]:
                target = bare_uv[i] / ".venv"
                return [
                    [uv, "venv", "-q", "--python", SYSTEM_PYTHON, str(target)],
                    [
                        uv,
                        "pip",
                        "install",
                        "-q",
                        "--offline",
                        "--no-index",
                        "--find-links",
                        self.env["PIP_FIND_LINKS"],
                        "--python",
                        str(target / "bin" / "python"),
                        "demo-lib",
                    ],
                ], bare_uv[i]

            cases.insert(
                7,
                Case(
                    "first install, creates .venv (vs `uv venv` + `uv pip install`)",
                    3.0,
                    "routed",
                    lambda i: ([pip, *inst], fresh3[i]),
                    uv_venv_install,
                ),
            )
        return cases  # fmt: skip

    def check_warmup(self, case: Case) -> float:
        """One run of each side, checked: the shim must do what the case says it measures.
        Returns the baseline's time (ms)."""
        shim_cmd, shim_cwd = case.shim(-1)
        base_cmd, base_cwd = case.base(-1)
        env = case.env or self.env
        shim = run(shim_cmd, shim_cwd, env)
        start = time.perf_counter()
        base = run(base_cmd, base_cwd, env)
        base_ms = (time.perf_counter() - start) * 1000
        lines = [ln for ln in shim.stderr.splitlines() if ln.startswith("pipshim:")]
        where = case.check.partition(":")[2] or f"{shim_cwd}/.venv"
        # the line shows the destination as ./X under the cwd and ~/X under HOME
        shown = {where}
        for top, prefix in ((str(shim_cwd), "./"), (env.get("HOME", ""), "~/")):
            if top and where.startswith(top.rstrip("/") + "/"):
                shown.add(prefix + where[len(top.rstrip("/")) + 1 :])
        if case.check.startswith("routed") and not any(f"→ {s} " in ln for ln in lines for s in shown):
            raise BenchError(f"{case.name}: the shim did not use {where}:\n{shim.stderr}")
        if case.check == "same" and (shim.stdout, lines) != (base.stdout, []):
            raise BenchError(f"{case.name}: the shim's output differs from the baseline's:\n{shim.stdout}{shim.stderr}")
        return base_ms

    def measure(self, case: Case) -> Row:
        base_ms = self.check_warmup(case)
        env = case.env or self.env
        runs = self.runs
        if getattr(case.shim, "repeatable", False) and getattr(case.base, "repeatable", False):
            runs = max(runs, min(MAX_RUNS, int(SIDE_BUDGET_MS / max(base_ms, 1.0))))
            if case.target is not None and case.target <= 1.02:
                runs = max(runs, MIN_RUNS_TIGHT)
        shim, base = [], []
        # interleaved, so drift hits both sides alike, and each side first in turn (A B B A …), so
        # that what the second run of a pair gains from the first (warm caches) goes to neither side
        for i in range(runs):
            if i % 2:
                base.append(timed(*case.base(i), env))
                shim.append(timed(*case.shim(i), env))
            else:
                shim.append(timed(*case.shim(i), env))
                base.append(timed(*case.base(i), env))
        med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
        name = case.name if runs == self.runs else f"{case.name} [{runs} runs]"
        cpu = med(shim, 1), med(base, 1)
        # each shim run is paired with the baseline run after it: their difference is what pipshim
        # adds, steadier than a ratio of medians when the machine's speed drifts
        diffs = [a[0] - b[0] for a, b in zip(shim, base)]
        spread = 1.96 * statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
        row = Row(name, med(shim, 0), med(base, 0), case.target, *cpu, show_ratio=case.show_ratio)
        row.added = (statistics.mean(diffs), spread)
        # the ratio: the median of the pairs' ratios. Two runs side by side see the same machine,
        # so a slower minute slows both; medians taken apart let it land on one side only (this
        # machine's runs of one pip command spread by 10-20 %, a 1.02 goal is 2 %)
        row.paired = statistics.median(a[0] / b[0] for a, b in zip(shim, base))
        if self.instructions and case.target is not None and runs != self.runs:  # the repeatable rows
            row.instructions = (self.count(*case.shim(0), env), self.count(*case.base(0), env))
        return row

    def count(self, cmd: list, cwd: Path, env: dict[str, str]) -> int:
        """The instructions a command executes, its children and what it execs included: callgrind
        counts them (so the count does not move with the machine's speed); --dump-before=execve
        keeps what a process did before it exec'd (the shim's sh), which callgrind drops otherwise."""
        out = Path(tempfile.mkdtemp(prefix="cg-", dir=self.root))
        env = dict(env, PYTHONHASHSEED="0")  # the same dict layouts on both sides
        for one in commands(cmd):
            rc = subprocess.run(
                ["valgrind", "--tool=callgrind", "--trace-children=yes", "--dump-before=execve",
                 f"--callgrind-out-file={out}/cg.%p", *one],
                cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ).returncode  # fmt: skip
            if rc != 0:
                raise BenchError(f"valgrind {' '.join(one)} (in {cwd}) exited {rc}")
        total = 0
        for f in out.iterdir():
            for line in f.read_text(errors="replace").splitlines():
                if line.startswith("summary:"):
                    total += int(line.split()[1])
        shutil.rmtree(out, ignore_errors=True)
        return total

    def in_process_decision(self, iterations: int) -> Row:
        """gather() + decide() in this process, as the shim's resolver runs them."""
        from pipshim.facts import gather
        from pipshim.routes import UseVenv
        from pipshim.rules import decide

        cwd = os.getcwd()
        os.chdir(self.project)
        try:
            route = decide(gather("pip", ["install", "demo-lib"], self.env, str(self.bin)))
            if not isinstance(route, UseVenv):
                raise BenchError(f"in-process decision: expected the project venv, got {route}")
            samples = []
            for _ in range(iterations):
                start = time.perf_counter()
                decide(gather("pip", ["install", "demo-lib"], self.env, str(self.bin)))
                samples.append((time.perf_counter() - start) * 1000)
        finally:
            os.chdir(cwd)
        return Row(f"decision: gather()+decide() in-process ({iterations}x)", statistics.median(samples), None, None)

    def venv_creation(self) -> Row:
        """Creating a project venv with a working pip: venvmake.create() timed in a fresh process
        (the creation itself, warm), against `python3 -m venv --without-pip` (no pip; the whole
        process) interleaved with it."""
        made, floor = [], []
        for i in range(-1, self.runs):
            target = self.root / "creations" / f"pipshim-{i}" / ".venv"
            target.parent.mkdir(parents=True)
            out = subprocess.run(
                [sys.executable, "-c", CREATE_CHILD, str(target), SYSTEM_PYTHON],
                env=self.env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            if out.returncode != 0:
                raise BenchError(f"venv creation failed:\n{out.stderr}")
            if i < 0:  # the warm-up: the venv's own pip must work
                run([str(target / "bin" / "python"), "-m", "pip", "--version"], self.root, self.env)
            else:
                made.append(float(out.stdout.split()[-1]))
            bare = self.root / "creations" / f"venv-{i}"
            wall, _ = timed([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(bare)], self.root, self.env)
            if i >= 0:
                floor.append(wall)
        return Row(
            VENV_ROW,
            statistics.median(made),
            statistics.median(floor),
            None,
            limit_ms=100.0,
        )


VENV_ROW = "create a project venv with pip: venvmake.create(), warm (vs `venv --without-pip`, no pip)"
# the child that times one creation (the parent's python: pipshim and virtualenv's pip wheel importable)
CREATE_CHILD = """
import sys, time
from pipshim.venvmake import create
start = time.perf_counter()
create(sys.argv[1], sys.argv[2], prompt="bench")
print((time.perf_counter() - start) * 1000)
"""


def uv_binary() -> str | None:
    """uv's binary, if the uv package is importable in this (the dev) environment."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None


def version_of(cmd: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return (out.stdout + out.stderr).strip().split("\n")[0]


def machine_info(bench: Bench) -> list[str]:
    import virtualenv

    import pipshim

    env = bench.env
    return [
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, /bin/sh -> {os.path.realpath('/bin/sh')}, "
        "umask 002 (venvs group-writable by the user's private group, as on Ubuntu)",
        f"pipshim {pipshim.__version__} on {sys.executable} (Python {platform.python_version()}), "
        f"virtualenv {virtualenv.__version__}",
        f"system: {version_of([SYSTEM_PYTHON, '--version'], env)}; {version_of([SYSTEM_PIP, '--version'], env)}",
        f"project venv: {version_of([bench.venv_pip, '--version'], env).replace(str(bench.root), '<tmp>')}",
        f"uv: {version_of([uv_binary(), '--version'], env) if uv_binary() else 'not importable here (no uv rows)'}",
        f"medians of {bench.runs} interleaved runs each (each side first in turn), after one warm-up run of each "
        "side; ratio: the median of each pair's ratio (a shim run / the baseline run beside it); wall time, "
        "and CPU time (user+sys of the processes) for a loaded machine"
        + (" (fewer than 10: not for the README)" if bench.runs < 10 else ""),
    ]


def cells(row: Row) -> list[str]:
    ratio, cpu = row.ratio, row.cpu_ratio
    shown = row.target is not None or row.show_ratio
    if row.limit_ms is not None:
        target = f"<= {row.limit_ms:g} ms " + ("(met)" if row.shim_ms <= row.limit_ms else "(MISSED)")
    elif row.target is None:
        target = "-"
    else:
        met = [r for r in (ratio, cpu) if r is not None]
        target = f"<= {row.target:g} " + ("(met)" if met and min(met) <= row.target else "(MISSED)")

    def ms(v: float | None) -> str:
        return "-" if v is None else (f"{v:.1f}" if v >= 1 else f"{v:.3f}")

    return [
        row.name,
        ms(row.shim_ms),
        ms(row.base_ms),
        "-" if row.added is None or not shown else f"{row.added[0]:+.1f} ± {row.added[1]:.1f}",
        "-" if ratio is None or not shown else f"{ratio:.3f}",
        ms(row.shim_cpu),
        ms(row.base_cpu),
        "-" if cpu is None or not shown else f"{cpu:.3f}",
        "-" if row.instructions_ratio is None else f"{row.instructions_ratio:.4f}",
        target,
    ]


HEADINGS = [
    "case", "pipshim ms", "baseline ms", "added ms (95 %)", "ratio (paired)", "pipshim CPU ms", "baseline CPU ms",
    "CPU ratio", "instructions ratio", "target",
]  # fmt: skip


def table(rows: list[Row], markdown: bool) -> str:
    body = [cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "|".join(["---", *["---:"] * 8, "---"]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in body])
    widths = [max(len(r[k]) for r in [HEADINGS, *body]) for k in range(len(HEADINGS))]

    def fmt(c: list[str]) -> str:
        return " | ".join(c[0].ljust(widths[0]) if k == 0 else c[k].rjust(widths[k]) for k in range(len(c)))

    return "\n".join([fmt(HEADINGS), "-+-".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="pipshim's overhead, side by side with pip alone")
    p.add_argument("--runs", type=int, default=11, help="timed runs of each side per case (default: 11)")
    p.add_argument("--iterations", type=int, default=200, help="in-process decisions timed (default: 200)")
    p.add_argument("--markdown", action="store_true", help="print the table as markdown, for the README")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (printed) for inspection")
    p.add_argument("--only", action="append", default=[], help="measure only the cases whose name holds this text")
    p.add_argument(
        "--instructions",
        action="store_true",
        help="also count each side's instructions once with valgrind's callgrind (rows with a ratio goal)",
    )
    args = p.parse_args(argv)
    if args.runs < 1 or args.iterations < 1:
        p.error("--runs and --iterations must be at least 1")
    if args.instructions and shutil.which("valgrind") is None:
        p.error("--instructions needs valgrind (Debian: apt install valgrind)")
    root = Path(tempfile.mkdtemp(prefix="pipshim-bench-"))
    # as most users who meet PEP 668 run (Ubuntu, Fedora): umask 002, so every venv is
    # group-writable by the user's private group, which the shims must take as the user's own
    os.umask(0o002)
    try:
        bench = Bench(root, args.runs, args.instructions)
        cases = bench.cases()
        info = machine_info(bench)
        rows = []
        for case in cases:
            if args.only and not any(text in case.name for text in args.only):
                continue
            print(f"measuring: {case.name} …", file=sys.stderr, flush=True)
            rows.append(bench.measure(case))
        if not args.only or any(text in VENV_ROW for text in args.only):
            print("measuring: creating a project venv with pip …", file=sys.stderr, flush=True)
            rows.append(bench.venv_creation())
        if not args.only:
            rows.append(bench.in_process_decision(args.iterations))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"bench: kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    prefix = "- " if args.markdown else ""
    print("\n".join(prefix + line for line in info))
    print()
    print(table(rows, args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
