"""Compare ways to create a project venv with a working pip inside: medians of interleaved warm runs.

    .dev/bin/python tools/bench_venv.py [--runs 12] [--python /usr/bin/python3]

Each run is a fresh process (the shim creates a venv in a fresh process too); the child
reports the time spent importing its machinery and creating, the parent the wall time
of the whole process and its CPU time (user+sys, children included: on a busy machine
the wall time mostly measures the queue). Every candidate gets one untimed warm-up run (fills its cache).
The venvs go under ~/.cache by default: on this machine /tmp makes every mkdir ~1 ms.
Each created venv is checked: ``bin/python -m pip --version`` must work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
kind, path, base, app_data = sys.argv[1:5]
if kind.startswith("virtualenv"):
    from virtualenv import cli_run
elif kind == "pipshim":
    from pipshim.venvmake import create
elif kind == "venv+link":
    import subprocess
    from pipshim import pipseed, venvmake
t1 = time.perf_counter()
if kind.startswith("virtualenv"):
    args = [path, "--python", base, "--prompt", "p", "--no-setuptools", "--quiet", "--app-data", app_data]
    if kind == "virtualenv-symlink-app-data":
        args.append("--symlink-app-data")
    cli_run(args, setup_logging=False)
elif kind == "pipshim":
    create(path, base, prompt="p")
elif kind == "venv+link":
    subprocess.run([base, "-I", "-m", "venv", "--without-pip", "--prompt", "p", "--", path], check=True)
    info = venvmake.probe(base, os.environ)
    pipseed.install_pip(path, info, base, os.environ)
t2 = time.perf_counter()
print(json.dumps({"import": (t1 - t0) * 1000, "create": (t2 - t1) * 1000}))
"""


def shell_candidates(base: str, wheel: str) -> dict[str, list[list[str]]]:
    """Candidates that are plain command sequences ({path} is substituted)."""
    out = {
        "venv --without-pip (no pip: floor)": [[base, "-I", "-m", "venv", "--without-pip", "--", "{path}"]],
        "venv --without-pip + pip --python install pip.whl": [
            [base, "-I", "-m", "venv", "--without-pip", "--", "{path}"],
            [
                sys.executable,
                "-m",
                "pip",
                "--disable-pip-version-check",
                "--python",
                "{path}/bin/python",
                "install",
                "--quiet",
                "--no-index",
                "--no-deps",
                wheel,
            ],
        ],
    }
    try:  # the bench extra's uv (make bench installs it), else one on PATH
        from uv import find_uv_bin

        uv = find_uv_bin()
    except (ImportError, FileNotFoundError):
        uv = shutil.which("uv")
    if uv:
        out["uv venv --seed (reference)"] = [[uv, "venv", "--quiet", "--seed", "--offline", "-p", base, "{path}"]]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--json", action="store_true", help="print the medians as JSON too")
    ap.add_argument("--dir", default=os.path.expanduser("~/.cache"), help="where the venvs go (not /tmp: slow here)")
    opts = ap.parse_args()

    from pipshim import pipseed, venvmake

    os.makedirs(opts.dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="pipshim-bench-venv-", dir=opts.dir)
    env = dict(os.environ, PIP_CONFIG_FILE="/dev/null", XDG_CACHE_HOME=os.path.join(work, "cache"))
    info = venvmake.probe(opts.python, env)
    wheel, _ = pipseed.find_pip_wheel(info, env, os.path.join(work, "cache"))
    app_data = os.path.join(work, "app-data")
    py_kinds = ["virtualenv-app-data", "virtualenv-symlink-app-data", "venv+link", "pipshim"]
    shell = shell_candidates(opts.python, wheel)
    names = py_kinds + list(shell)
    results: dict[str, dict[str, list[float]]] = {n: {"import": [], "create": [], "wall": [], "cpu": []} for n in names}
    counter = 0
    try:
        for run in range(opts.runs + 1):  # run 0 is the warm-up
            for name in names:
                counter += 1
                path = os.path.join(work, f"v{counter}")
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                if name in py_kinds:
                    proc = subprocess.run(
                        [sys.executable, "-c", CHILD, name, path, opts.python, app_data],
                        capture_output=True,
                        text=True,
                        env=env,
                        check=True,
                    )
                    wall = (time.perf_counter() - t0) * 1000
                    parts = json.loads(proc.stdout.strip().splitlines()[-1])
                else:
                    for argv in shell[name]:
                        subprocess.run([a.replace("{path}", path) for a in argv], env=env, check=True)
                    wall = (time.perf_counter() - t0) * 1000
                    parts = {"import": float("nan"), "create": wall}
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
                if "no pip" not in name:
                    subprocess.run([f"{path}/bin/python", "-m", "pip", "--version"], env=env, check=True,
                                   capture_output=True)  # fmt: skip
                shutil.rmtree(path)
                if run:
                    results[name]["import"].append(parts["import"])
                    results[name]["create"].append(parts["create"])
                    results[name]["wall"].append(wall)
                    results[name]["cpu"].append(cpu)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"base {opts.python} (Python {info['version']}), {opts.runs} interleaved warm runs, medians in ms")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| candidate | imports | create | whole process (wall) | whole process (CPU user+sys) |")
    print("|---|---:|---:|---:|---:|")
    medians = {}
    for name in names:
        m = {k: statistics.median(v) for k, v in results[name].items()}
        medians[name] = m
        imp = "—" if m["import"] != m["import"] else f"{m['import']:.0f}"
        print(f"| {name} | {imp} | {m['create']:.0f} | {m['wall']:.0f} | {m['cpu']:.0f} |")
    if not any(name.startswith("uv ") for name in names):
        print("(uv is not installed here: no uv row)")
    if opts.json:
        print(json.dumps(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
