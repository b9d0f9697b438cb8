"""Shared fixtures: a temporary charm, an activated Runtime on fake hook tools, a fresh Registry.

Every test gets fresh state: its own charm directory and state database, its own handler
registry, and ``sys.path`` / ``sys.modules`` restored afterwards (discovery imports the charm's
``reactive`` and ``relations`` modules).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from charms.reactive import _runtime
from charms.reactive._handlers import Registry, use_registry
from charms.reactive._runtime import Runtime
from helpers.fakes import FakeHookTools, close_kv, make_context

DEFAULT_METADATA = """\
name: local
requires:
  db: {interface: mysql}
  db2: {interface: mysql}
provides:
  website: {interface: http}
peers:
  cluster: {interface: peer}
"""

#: The emulator's pytest plugin (model, make_charm, build_charm, charm_builder), as a charm
#: author gets it by installing this project; here it is not installed, so it is named.
pytest_plugins = ["reactive_harness.pytest_plugin"]

_HANDLER_PACKAGES = ("reactive", "relations")


@pytest.fixture
def isolated_imports() -> Iterator[None]:
    """Restore sys.path and drop the charm's handler modules after the test."""
    saved_path = list(sys.path)
    yield
    sys.path[:] = saved_path
    for name in list(sys.modules):
        if name.split(".")[0] in _HANDLER_PACKAGES:
            del sys.modules[name]


@pytest.fixture
def charm_dir(tmp_path: Path, isolated_imports: None) -> Path:
    """A charm directory with a metadata.yaml."""
    charm = tmp_path / "charm"
    charm.mkdir()
    (charm / "metadata.yaml").write_text(DEFAULT_METADATA)
    return charm


@pytest.fixture
def write(charm_dir: Path) -> Callable[..., Path]:
    """Write a (dedented) file into the charm: ``write("reactive/a.py", source)``."""

    def _write(relpath: str, text: str, executable: bool = False) -> Path:
        path = charm_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        if executable:
            path.chmod(0o755)
        return path

    return _write


@pytest.fixture
def registry() -> Iterator[Registry]:
    """A fresh default handler registry."""
    with use_registry(Registry()) as fresh:
        yield fresh


@pytest.fixture
def tools() -> FakeHookTools:
    """The fake hook tools the runtime uses."""
    return FakeHookTools()


@pytest.fixture
def hook_runtime(
    charm_dir: Path, tools: FakeHookTools, registry: Registry
) -> Iterator[Callable[..., Runtime]]:
    """Make and activate the Runtime of one hook: ``hook_runtime("install", relation_id=...)``.

    Each call replaces the active runtime, as a new hook process would (the previous one's
    uncommitted changes are discarded); state persists between calls only through commits.
    """
    with ExitStack() as stack:
        made: list[Runtime] = []

        def _make(hook_name: str = "update-status", **env: str) -> Runtime:
            for old in made:
                close_kv(old)
            rt = Runtime(make_context(charm_dir, hook_name, **env), tools)
            made.append(rt)
            stack.enter_context(_runtime.activate(rt))
            return rt

        yield _make
        for old in made:
            close_kv(old)


@pytest.fixture
def rt(hook_runtime: Callable[..., Runtime]) -> Runtime:
    """An activated runtime for an ``update-status`` hook."""
    return hook_runtime()


_TIME_BY_DIR: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add each test phase's duration to its directory under tests/ (for the summary)."""
    parts = report.nodeid.split("::")[0].split("/")
    key = "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    _TIME_BY_DIR[key] = _TIME_BY_DIR.get(key, 0.0) + report.duration


#: The figures printed at the end, per ``module.NAME``; module globals of the tests.
FIGURES = (
    ("test_transactions", "INJECTED"),
    ("test_all_or_nothing", "TRIED"),
    ("test_bad_environment", "TRIED"),
    ("test_lifecycle_fuzz", "STATS"),
)
#: Figures reported by pytest-xdist's workers (the controller runs no test itself).
_FROM_WORKERS: list[str] = []


def _figures() -> list[str]:
    out = []
    for module, name in FIGURES:
        value = getattr(sys.modules.get(module), name, None)
        if value and not (isinstance(value, dict) and not any(value.values())):
            out.append(f"{module}.{name}: {len(value) if isinstance(value, list) else value}")
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand this worker's figures to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability_figures"] = _figures()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """In pytest-xdist's controller, collect a finished worker's figures."""
    _FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("reliability_figures", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the time per test directory, then the reliability figures (faults, bad inputs,
    fuzzing) of the tests that ran: under pytest-xdist, one line per worker that ran some.

    In the root conftest: pytest-xdist's controller loads no other conftest of ``tests/``.
    """
    if _TIME_BY_DIR:
        terminalreporter.write_sep("-", "time per test directory")
        for key, seconds in sorted(_TIME_BY_DIR.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{seconds:8.1f} s  {key}")
    figures = _figures() + sorted(_FROM_WORKERS)
    if figures:
        terminalreporter.write_sep("-", "reliability figures")
        for line in figures:
            terminalreporter.write_line(line)
