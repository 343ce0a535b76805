"""Integration fixtures: the real distribution pip on the system Python (``sut.SUT``), real
virtualenv, local wheels; and END_TO_END, the small set of these tests ``make test`` runs.

Nothing here installs into the system Python: a session fixture compares the system
site-packages before and after the whole run (in every xdist worker).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import shared_dir, warm_home
from filelock import FileLock
from sut import SUT
from wheels import build_wheelhouse

from integration.support import base_env, make_reference_venv

# The end-to-end set of `make test` (the suite: about 110 s on the dev machine): every route kind once, through the real
# shims, pip, virtualenv and pipx, plus the invariants (nothing half-made, pip's own exit codes,
# refusals create nothing, umask 002). Every other integration test is `exhaustive` and runs in
# `make check`, which CI also runs. An entry is a test name, or a name with its parameter id; a
# test whose parameters carry their own quick/exhaustive marks (the differential corpus, the
# fault-injection and bad-input tables) keeps them. An entry that matches nothing is an error.
END_TO_END = {
    "test_passthrough.py": {"test_target_passes_through[project]", "test_dry_run_report_passes_through[no-project]"},
    "test_venv_route.py": {
        "test_install_creates_project_venv[pyproject]",
        "test_read_command_in_new_project_creates_nothing",
    },
    "test_user_env.py": {
        "test_library_goes_to_a_user_env_that_sees_the_system_packages",
        "test_a_failed_first_install_leaves_no_user_env",
    },
    "test_pipx_route.py": {"test_app_installs_with_pipx_runs_from_path_and_uninstalls"},
    "test_root.py": {
        "test_host_root_refuses_libraries_and_creates_nothing",
        "test_host_root_with_a_user_flag_goes_to_roots_own_user_environment",
        "test_container_bare_install_goes_to_the_root_user_env",
        "test_a_dockerfile_sequence_ends_with_python3_importing_everything",
    },
    "test_ownership_and_errors.py": {
        "test_group_writable_project_dir_is_not_used",
        "test_explain_json_names_the_venv_and_creates_nothing",
        "test_a_dotvenv_symlink_to_what_is_not_a_venv_is_refused_and_left_in_place[nothing]",
    },
    "test_differential.py": {"test_same_as_the_pip_that_runs_it", "test_the_corpus_is_well_formed"},
    "test_boot_differential.py": {"test_in_a_project_venv[install demo-lib]", "test_in_a_project_venv[list]"},
    "test_bad_input.py": {"test_failed_install_keeps_an_existing_venv"},
    "test_bad_inputs.py": {"test_bad_input", "test_the_table_is_big_enough"},
    "test_kill_recovery.py": {"test_sigkill_during_creation_is_recovered[pyvenv-cfg]"},
    "test_signals.py": {"test_exit_codes_are_pips_own[error 1]"},
    "test_run_which.py": {"test_run_runs_the_projects_command"},
    "test_side_by_side.py": {"test_pip3N_in_a_project_creates_dot_venv_from_that_python"},
    "test_shell_hook.py": {"test_readme_rc_lines_are_the_ones_shell_init_gives"},
}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    matched: set[tuple[str, str]] = set()
    modules = {}
    for item in items:
        path = Path(str(item.fspath))
        if path.parent != here:
            continue
        modules[path.name] = item.module
        names = END_TO_END.get(path.name, set()) & {item.name, item.originalname}
        matched |= {(path.name, n) for n in names}
        if not names:
            item.add_marker(pytest.mark.exhaustive)
    # a renamed test (or parameter) must not drop out of the set unnoticed; with single tests named
    # on the command line, only the test functions themselves can be checked
    whole_files = not any("::" in arg for arg in config.args)
    stale = [
        f"{f}::{n}"
        for f, ns in END_TO_END.items()
        if f in modules
        for n in ns
        if not hasattr(modules[f], n.split("[")[0]) or (whole_files and (f, n) not in matched)
    ]
    if stale:
        raise pytest.UsageError(f"END_TO_END names tests that do not exist: {', '.join(sorted(stale))}")


SYSTEM_PYTHON = SUT.python
SYSTEM_PIP = SUT.pip
SYSTEM_SITE_DIRS = tuple(dict.fromkeys((SUT.purelib, *SUT.site_dirs, SUT.dist_packages)))


def _site_snapshot() -> dict[str, list[str]]:
    return {d: sorted(os.listdir(d)) if os.path.isdir(d) else [] for d in SYSTEM_SITE_DIRS}


@pytest.fixture(scope="session", autouse=True)
def system_python_untouched():
    """Fail loudly without an externally managed system Python; check it is unchanged at the end."""
    if not (os.path.exists(SYSTEM_PYTHON) and os.path.exists(SYSTEM_PIP)):
        pytest.fail(f"integration tests need {SYSTEM_PYTHON} and {SYSTEM_PIP} (the distribution's python3-pip)")
    if SUT.externally_managed is None:
        pytest.fail(f"{SYSTEM_PYTHON} is not externally managed: these tests need one that is")
    before = _site_snapshot()
    yield
    assert _site_snapshot() == before, "the system site-packages changed during the tests"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """virtualenv's seed cache, shared by every worker of the run so that each new venv is quick.

    It is filled once, first thing (by making the reference venv), so no test that kills a
    venv creation half-way can leave it half-filled.
    """
    shared = shared_dir(tmp_path_factory, "virtualenv")
    data = shared / "app-data"
    with FileLock(str(shared / "fill.lock")):
        if not (shared / "reference" / "pyvenv.cfg").is_file():
            make_reference_venv(shared / "reference", data)
    return data


@pytest.fixture
def shim_env(shim_bin, wheelhouse, app_data, hermetic_env, warm_cache) -> dict[str, str]:
    """The environment of a user whose PATH has the shims first, offline, with local wheels, and
    pipshim's cache warm (the pip seed built once per run, not once per test)."""
    warm_home(hermetic_env, warm_cache)
    return base_env(shim_bin, hermetic_env, wheelhouse, app_data)


@pytest.fixture(scope="session")
def reference_venv(tmp_path_factory, app_data) -> Path:
    """A venv made by virtualenv directly from the system Python, for pip's own output; never
    modified, shared by the workers (the one that filled ``app_data``)."""
    return shared_dir(tmp_path_factory, "virtualenv") / "reference"


@pytest.fixture(scope="session")
def pipx_wheels(tmp_path_factory) -> Path:
    """The pipx tests' own wheels, next to the session wheelhouse."""
    from wheels import make_wheel

    d = tmp_path_factory.mktemp("pipx-wheels")
    make_wheel(d, "demo-noscript", "1.0")  # listed as an app, but has no console script
    make_wheel(d, "demo-cli", "1.0", scripts={"demo-cli": "demo_cli:main"})
    make_wheel(d, "demo-cli", "2.0", scripts={"demo-cli": "demo_cli:main"})
    # an app with an extra: `fast` pulls in demo-dep
    make_wheel(d, "demo-tool", "1.0", ('demo-dep; extra == "fast"',), {"demo-tool": "demo_tool:main"}, ("fast",))
    return d


@pytest.fixture(scope="session")
def pipx_shared(tmp_path_factory) -> Path:
    """pipx's shared pip venv, made once for the session's pipx tests."""
    return tmp_path_factory.mktemp("pipx-shared") / "shared"
