"""The pytest plugin: fixtures to test a reactive charm in the Juju emulator.

Installed with this distribution, pytest loads it by itself (entry point ``pytest11``). It gives:

* ``model``: an empty :class:`~reactive_harness.Model` in the test's temporary directory,
  closed after the test. Units of charms with the same wheelhouse share one bootstrapped
  venv for the whole session (``share_venv``), unless ``reactive_share_venv = false``.
* ``build_charm``: ``build_charm("path/to/layer")`` builds a charm layer with charm-build on
  the reactive base layer (offline after the first build) and returns the built charm
  directory, once per layer and test session.
* ``charm_builder``: the :class:`~reactive_harness.build.CharmBuilder` behind it.
* ``make_charm``: ``make_charm("name", provides={"ep": "iface"}, hooks={"install": "..."})``
  writes a small hook-level charm (bash hooks unless they start with ``#!``) for tests of
  the emulator itself or of a scripted peer.
* ``system_tool_stubs``: logging fakes of ``apt-get``, ``apt-cache``, ``dpkg-query``,
  ``snap``, ``systemctl``, ``service`` and ``add-apt-repository`` on the hooks' ``PATH`` of
  ``model`` (a :class:`~reactive_harness.SystemToolStubs`): ``stubs.calls("apt-get")`` lists
  the arguments of each call; ``stubs.fail("apt-get", 100, "E: ...")`` makes a tool fail.
  Only tests that ask for the fixture get the fakes.

Settings (``pytest.ini``, ``pyproject.toml``'s ``[tool.pytest.ini_options]``), paths relative
to the rootdir:

* ``reactive_layers_dirs``: directories of your own layers, included as ``layer:<name>``
  (default: ``layers`` if it exists);
* ``reactive_interfaces_dirs``: directories of your interface layers (default:
  ``interfaces`` if it exists); the ones this layer ships are available too;
* ``reactive_cache_dir``: where charm-tools and wheels are kept (default
  ``$REACTIVE_HARNESS_CACHE``, else ``~/.cache/reactive-harness``); ``--reactive-cache-dir=DIR``
  on the command line wins (with ``=``: pytest takes a separate path argument into account
  when it looks for the rootdir);
* ``reactive_share_venv``: ``true`` (default) or ``false``, see ``model``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from reactive_harness.build import CharmBuilder, default_cache_dir
from reactive_harness.model import Model
from reactive_harness.stubs import SystemToolStubs

__all__ = ["build_charm", "charm_builder", "make_charm", "model", "system_tool_stubs"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the plugin's settings."""
    parser.addini(
        "reactive_layers_dirs",
        "directories holding your own charm layers (layer:<name>)",
        type="paths",
        default=[],
    )
    parser.addini(
        "reactive_interfaces_dirs",
        "directories holding your interface layers (interface:<name>)",
        type="paths",
        default=[],
    )
    parser.addini("reactive_cache_dir", "where charm-tools and the wheels are kept", default="")
    parser.addini(
        "reactive_share_venv",
        "units of charms with the same wheelhouse share one venv per session",
        type="bool",
        default=True,
    )
    parser.addoption(
        "--reactive-cache-dir",
        default=None,
        help="where charm-tools and the wheels are kept (default ~/.cache/reactive-harness)",
    )


def _dirs(config: pytest.Config, name: str, fallback: str) -> list[Path]:
    configured = [Path(p) for p in config.getini(name)]
    if configured:
        return configured
    default = Path(config.rootpath) / fallback
    return [default] if default.is_dir() else []


@pytest.fixture(scope="session")
def charm_builder(pytestconfig: pytest.Config) -> CharmBuilder:
    """The charm builder of this test session (see the module docstring for its settings)."""
    cache = pytestconfig.getoption("--reactive-cache-dir") or pytestconfig.getini(
        "reactive_cache_dir"
    )
    if cache and not Path(cache).is_absolute():
        cache = str(Path(pytestconfig.rootpath) / cache)
    return CharmBuilder(
        Path(cache) if cache else default_cache_dir(),
        layers_dirs=_dirs(pytestconfig, "reactive_layers_dirs", "layers"),
        interfaces_dirs=_dirs(pytestconfig, "reactive_interfaces_dirs", "interfaces"),
    )


@pytest.fixture(scope="session")
def build_charm(
    charm_builder: CharmBuilder, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str | Path], Path]:
    """Build a charm layer (once per session); return the built charm directory.

    Raises:
        CharmBuildError: charm-build failed; the message ends with its output.
    """
    built: dict[Path, Path] = {}

    def _build(layer_dir: str | Path) -> Path:
        layer = Path(layer_dir).absolute()
        if layer not in built:
            out = tmp_path_factory.mktemp(f"built-{layer.name}")
            built[layer] = charm_builder.build(layer, out)
        return built[layer]

    return _build


@pytest.fixture(scope="session")
def _reactive_venvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where units share bootstrapped venvs during the session."""
    return tmp_path_factory.mktemp("venvs")


@pytest.fixture
def model(tmp_path: Path, pytestconfig: pytest.Config, _reactive_venvs: Path) -> Iterator[Model]:
    """An empty model rooted in the test's temporary directory."""
    share = bool(pytestconfig.getini("reactive_share_venv"))
    with Model(tmp_path / "model", share_venv=share, cache_dir=_reactive_venvs) as m:
        yield m


@pytest.fixture
def system_tool_stubs(model: Model, tmp_path: Path) -> SystemToolStubs:
    """Logging fakes of the system tools, on the ``PATH`` of ``model``'s hooks.

    Each fake (``apt-get``, ``apt-cache``, ``dpkg-query``, ``snap``, ``systemctl``,
    ``service``, ``add-apt-repository``) records its call and exits 0. Read the calls with
    ``system_tool_stubs.calls("apt-get")`` (one argument list per call) or ``.records``
    (with the unit and hook); make a tool fail with ``.fail(tool, exit_code, stderr)`` or
    print something with ``.respond(tool, stdout)``; fake another tool with ``.add(name)``.
    """
    return SystemToolStubs(tmp_path / "system-tool-stubs").install(model)


@pytest.fixture
def make_charm(tmp_path: Path) -> Callable[..., Path]:
    """Write a charm: ``make_charm("a", provides={"x": "http"}, hooks={"install": "..."})``.

    Arguments after the name: ``provides``, ``requires``, ``peers`` (endpoint -> interface),
    ``config`` (option -> its config.yaml settings), ``actions`` (name -> bash body),
    ``hooks`` (name -> script: bash unless it starts with ``#!``). The ``hooks/`` directory
    always exists.
    """

    def _make(
        name: str,
        *,
        provides: dict[str, str] | None = None,
        requires: dict[str, str] | None = None,
        peers: dict[str, str] | None = None,
        config: dict[str, dict[str, object]] | None = None,
        actions: dict[str, str] | None = None,
        hooks: dict[str, str] | None = None,
    ) -> Path:
        charm = tmp_path / "charms" / name
        (charm / "hooks").mkdir(parents=True)
        meta: dict[str, object] = {"name": name, "summary": "test", "description": "test"}
        for role, eps in (("provides", provides), ("requires", requires), ("peers", peers)):
            if eps:
                meta[role] = {ep: {"interface": iface} for ep, iface in eps.items()}
        (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
        if config is not None:
            (charm / "config.yaml").write_text(yaml.safe_dump({"options": config}))
        for hook, body in (hooks or {}).items():
            _write_script(charm / "hooks" / hook, body)
        if actions:
            (charm / "actions").mkdir()
            spec = {}
            for action, body in actions.items():
                spec[action] = {"description": action}
                _write_script(charm / "actions" / action, body)
            (charm / "actions.yaml").write_text(yaml.safe_dump(spec))
        return charm

    return _make


def _write_script(path: Path, body: str) -> None:
    text = textwrap.dedent(body).lstrip("\n")
    if not text.startswith("#!"):
        text = "#!/bin/bash\nset -e\n" + text
    path.write_text(text)
    path.chmod(0o755)
