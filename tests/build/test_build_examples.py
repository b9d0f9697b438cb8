"""End to end: build every example with charm-build (offline) and check the built charm."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from devtools import charmbuild
from helpers.build import EXAMPLES, REPO
from reactive_harness import Model

pytestmark = pytest.mark.build

STANDARD_HOOKS = (
    "install",
    "config-changed",
    "leader-elected",
    "leader-settings-changed",
    "start",
    "stop",
    "update-status",
    "upgrade-charm",
    "pre-series-upgrade",
    "post-series-upgrade",
    # Not rendered by charm-build: shipped by this layer as copies of the template.
    "remove",
    "collect-metrics",
    "meter-status-changed",
)
RELATION_HOOKS = ("created", "joined", "changed", "departed", "broken")
#: Everything a built charm may hold at its top level; anything else leaked from a layer.
ALLOWED_TOP_LEVEL = {
    ".build.manifest",
    "README.md",
    "bin",
    "config.yaml",
    "copyright",
    "LICENSE",
    "hooks",
    "layer.yaml",
    "lib",
    "metadata.yaml",
    "reactive",
    "version",
    "wheelhouse",
    "wheelhouse.txt",
    "wheelhouse-constraints.txt",
}
BASE_OPTION_DEFAULTS = {
    "packages": [],
    "python_packages": [],
    "use_venv": True,
    "include_system_packages": False,
}


def metadata(charm: Path) -> dict:
    return yaml.safe_load((charm / "metadata.yaml").read_text())


def test_examples_are_found():
    assert set(EXAMPLES) == {"db", "dbclient", "dbserver", "proxy", "ring", "webapp"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_build_generates_every_standard_hook_from_the_template(built, name):
    charm = built[name]
    template = (REPO / "hooks" / "hook.template").read_text()
    for hook in STANDARD_HOOKS:
        path = charm / "hooks" / hook
        assert os.access(path, os.X_OK), hook
        assert path.read_text() == template.format("hook")


@pytest.mark.parametrize("name", EXAMPLES)
def test_build_generates_relation_hooks_and_copies_interfaces(built, name):
    charm = built[name]
    meta = metadata(charm)
    for role in ("provides", "requires", "peers"):
        for endpoint, spec in (meta.get(role) or {}).items():
            for kind in RELATION_HOOKS:
                assert os.access(charm / "hooks" / f"{endpoint}-relation-{kind}", os.X_OK)
            interface = charm / "hooks" / "relations" / spec["interface"]
            assert (interface / f"{role}.py").is_file()
            assert (interface / "interface.yaml").is_file()
            assert (interface / "__init__.py").is_file()


@pytest.mark.parametrize("name", EXAMPLES)
def test_built_charm_holds_only_what_a_charm_needs(built, name):
    charm = built[name]
    top = {p.name for p in charm.iterdir()}
    assert top <= ALLOWED_TOP_LEVEL, top - ALLOWED_TOP_LEVEL
    assert (charm / "lib" / "reactive_bootstrap" / "__init__.py").is_file()
    assert (charm / "bin" / "charms.reactive").is_file()
    assert (charm / "bin" / "charms.reactive.sh").is_file()
    # The base layer's README must not replace the charm's own.
    assert (charm / "README.md").read_text() == (
        REPO / "examples" / name / "README.md"
    ).read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_built_layer_yaml_holds_the_base_options_with_defaults(built, name):
    layer = yaml.safe_load((built[name] / "layer.yaml").read_text())
    base = "basic" if name == "db" else "reactive-base"
    assert base in layer["options"]
    for key, default in BASE_OPTION_DEFAULTS.items():
        assert key in layer["options"][base]
        if name != "db":
            assert layer["options"][base][key] == default
    assert layer["is"] == name


@pytest.mark.parametrize("name", EXAMPLES)
def test_built_wheelhouse_has_the_runtime_dependencies_as_wheels(built, name):
    wheels = {p.name.split("-")[0].lower() for p in (built[name] / "wheelhouse").iterdir()}
    assert {"charmhelpers", "pyyaml", "jinja2", "netaddr"} <= wheels


def test_manifest_names_the_base_layer_first(built):
    manifest = json.loads((built["webapp"] / ".build.manifest").read_text())
    urls = [layer["url"] for layer in manifest["layers"]]
    assert urls == ["layer:reactive-base", "webapp", "interface:http", "interface:database"]


def test_bash_handler_is_shipped_executable(built):
    assert os.access(built["proxy"] / "reactive" / "announce", os.X_OK)


@pytest.mark.parametrize("name", ["webapp", "db"])
def test_built_charm_bootstraps_offline_into_a_venv(built, name, tmp_path):
    """The hook's first half, on a copy of the built charm laid out like a unit's agent dir."""
    charm = tmp_path / f"unit-{name}-0" / "charm"
    shutil.copytree(built[name], charm, symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    # Any index or network access by pip would fail loudly.
    env.update(CHARM_DIR=str(charm), PIP_INDEX_URL="http://127.0.0.1:9/", no_proxy="*")
    code = (
        "import sys; sys.path.insert(0, 'lib'); import reactive_bootstrap;"
        "reactive_bootstrap.bootstrap(); import yaml, charmhelpers;"
        "print(yaml.__file__); print(charmhelpers.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=charm,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    venv = charm.parent / ".venv"
    for line in result.stdout.splitlines():
        assert line.startswith(str(venv / "lib"))
    marker = json.loads((venv / ".reactive-bootstrap.json").read_text())
    assert sorted(marker["wheelhouse"]) == sorted(p.name for p in (charm / "wheelhouse").iterdir())


#: What a working checkout holds besides its tracked files: layer.yaml's exclude: must drop it.
CHECKOUT_LEFTOVERS = (
    ".venv/lib/python3/site-packages/six.py",
    ".venv-3.12/bin/python",
    ".cache/charm-tools-3.11/bin/charm-build",
    ".hypothesis/examples/x",
    ".pytest_cache/v/cache/nodeids",
    ".mypy_cache/3.11/x.json",
    ".ruff_cache/0.1/x",
    ".coverage",
    "build/webapp/metadata.yaml",
    "wheels/x-1.0-py3-none-any.whl",
    "lib/charms/reactive/__pycache__/bus.cpython-311.pyc",
    "lib/charms/stray.pyc",
    "hooks/relations/__pycache__/x.cpython-311.pyc",
)


def test_layer_yaml_excludes_everything_when_the_repository_itself_is_the_layer(tmp_path):
    """Users symlink the repository as ``basic``: no staging, layer.yaml's exclude: only.

    Built from a copy of the repository's tracked files with the leftovers of a working
    checkout planted in it (charm-tools walks excluded directories too: the real checkout's
    venvs and caches cost minutes and vary from one machine to the next).
    """
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode().split("\0")
    checkout = tmp_path / "checkout"
    for name in filter(None, tracked):
        if (REPO / name).is_file():  # a tracked file deleted in the working tree is skipped
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    (checkout / ".git").mkdir()
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for name in CHECKOUT_LEFTOVERS:
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text("leftover\n")

    charm = charmbuild.build_charm(
        checkout / "examples" / "db", tmp_path / "out", stage=False, base=checkout
    )

    top = {p.name for p in charm.iterdir()}
    assert top <= ALLOWED_TOP_LEVEL, top - ALLOWED_TOP_LEVEL
    assert {p.name for p in (charm / "lib").iterdir()} == {"charms", "reactive_bootstrap"}
    assert not list(charm.rglob("__pycache__"))
    assert not list(charm.rglob("*.pyc"))
    assert not [p for p in charm.rglob("*") if p.is_file() and p.read_bytes() == b"leftover\n"]


def test_proof_warnings_are_printed_and_the_charm_is_built(tmp_path, capsys):
    layer = tmp_path / "layers" / "ring"
    shutil.copytree(REPO / "examples" / "ring", layer)
    (layer / "README.md").unlink()  # charm-build's proof: "W: no README file", exit 100

    charm = charmbuild.build_charm(layer, tmp_path / "out")

    assert (charm / "metadata.yaml").is_file()
    assert "proof: W: no README file" in capsys.readouterr().err


def test_built_endpoint_interface_ships_every_module_of_its_layer(built):
    """dbaas's role files import the request and response from ``messages.py``."""
    for name in ("dbclient", "dbserver"):
        layer = built[name] / "hooks" / "relations" / "dbaas"
        assert {"messages.py", "provides.py", "requires.py"} <= {p.name for p in layer.iterdir()}
    manifest = json.loads((built["dbclient"] / ".build.manifest").read_text())
    urls = [layer["url"] for layer in manifest["layers"]]
    assert urls == ["layer:reactive-base", "dbclient", "interface:dbaas", "interface:http"]


@pytest.mark.e2e
def test_built_dbclient_gets_a_database_from_built_dbserver_in_the_emulator(built, venv_cache):
    """Both built charms, bootstrapped offline: the Endpoint layer works in a real build."""
    with Model(share_venv=True, cache_dir=venv_cache) as model:
        model.deploy(built["dbserver"])
        model.deploy(built["dbclient"])
        database = model.relate("dbclient:database", "dbserver:db")
        address = model.relation_data(database, "dbserver/0")["ingress-address"]
        unit = model.unit("dbclient/0")
        conf = (unit.charm_dir / "dbclient.conf").read_text()
        assert f"@{address}:5432/dbclient\n" in conf
        assert {"database.ready", "dbclient.configured"} <= unit.flags
        assert model.unit("dbserver/0").status.message == "serving 1 database(s)"
        assert not any(record.failed for record in model.records)
