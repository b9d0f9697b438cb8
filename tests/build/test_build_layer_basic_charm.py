"""A charm written for layer-basic, with layers the way real ones are written, on this layer.

Built by charm-build with this repository as ``layer:basic`` and run in the emulator through
install, config, a subordinate's container relation, upgrade-charm, an action and removal:

* ``layer:mystatus``: a library reading its option (``layer.options.get``), imported by the hooks
  before the handlers for its side effect (as layer:status patches ``hookenv``);
* ``layer:myapt``: an apt layer: its option lists packages its handler installs with
  ``charms.layer.basic.apt_install``, and a config option adds more (as layer:apt does);
* the charm itself: this layer's ``packages`` option (installed by the bootstrap), an
  ``exec.d`` pre-install script, an action started by ``charm-env``;
* ``sidecar``: a subordinate on the implicit ``juju-info`` endpoint.

apt-get is faked by the emulator's system tool stubs (a test must not install packages).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.build import REPO
from reactive_harness import Model, SystemToolStubs
from reactive_harness.build import CharmBuilder
from reactive_harness.errors import UnknownUnitError

pytestmark = [pytest.mark.build, pytest.mark.e2e]

MYSTATUS_LIB = """\
from charmhelpers.core import hookenv
from charms import layer

hookenv.mystatus_prefix = layer.options.get("mystatus", "prefix")


def active(message):
    hookenv.status_set("active", hookenv.mystatus_prefix + message)
"""

MYAPT_LIB = """\
from charms import layer
from charms.layer import basic


def install(extra=()):
    packages = list(layer.options("myapt")["packages"]) + list(extra)
    basic.apt_install(packages)
    return packages
"""

MYAPT_HANDLERS = """\
from charmhelpers.core import hookenv
from charms.layer import myapt
from charms.reactive import set_flag, when, when_not


@when_not("myapt.installed")
def install():
    myapt.install()
    set_flag("myapt.installed")


@when("myapt.installed", "config.changed.extra_packages")
def extra():
    wanted = hookenv.config("extra_packages").split()
    if wanted:
        myapt.install(wanted)
"""

PROBE_HANDLERS = """\
import json

from charmhelpers.core import hookenv
from charms.layer import mystatus
from charms.reactive import hook, set_flag, when, when_not


@when("myapt.installed")
@when_not("probe.ready")
def ready():
    with open("seen.json", "w") as out:
        json.dump({"prefix_at_import": hookenv.mystatus_prefix}, out)
    mystatus.active("ready")
    set_flag("probe.ready")


@hook("upgrade-charm")
def upgraded():
    with open("upgrades", "a") as out:
        out.write("x")
"""

EXECD = """\
#!/bin/sh
echo "prepared by exec.d" >> "$CHARM_DIR/../execd-ran"
"""

ACTION = """\
#!{charm_env} python3
from charmhelpers.core import hookenv
from charms import layer

hookenv.action_set({{"prefix": layer.mystatus.hookenv.mystatus_prefix}})
"""

SIDECAR_HANDLERS = """\
from charmhelpers.core import hookenv
from charms.reactive import hook, set_flag


@hook("host-relation-joined")
def attached():
    hookenv.status_set("active", "beside " + hookenv.remote_unit())
    set_flag("sidecar.attached")
"""


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


META = "maintainer: T <t@example.com>\ntags: [misc]\nseries: [jammy]\n"


def make_layers(root: Path) -> tuple[Path, Path]:
    """Write layer:mystatus, layer:myapt and the two charm layers; return the charm layers."""
    layers = root / "layers"
    write(
        layers / "mystatus" / "layer.yaml",
        "defines:\n  prefix:\n    type: string\n    default: ''\n    description: a prefix\n",
    )
    write(layers / "mystatus" / "lib" / "charms" / "layer" / "mystatus.py", MYSTATUS_LIB)
    write(
        layers / "myapt" / "layer.yaml",
        "includes: ['layer:basic']\n"
        "defines:\n  packages:\n    type: array\n    default: []\n    description: packages\n",
    )
    write(layers / "myapt" / "lib" / "charms" / "layer" / "myapt.py", MYAPT_LIB)
    write(layers / "myapt" / "reactive" / "myapt.py", MYAPT_HANDLERS)
    write(
        layers / "myapt" / "config.yaml",
        "options:\n  extra_packages:\n    type: string\n    default: ''\n"
        "    description: more packages\n",
    )
    probe = root / "probe"
    write(
        probe / "layer.yaml",
        "includes: ['layer:basic', 'layer:mystatus', 'layer:myapt']\n"
        "options:\n  basic:\n    packages: [jq]\n  mystatus:\n    prefix: probe-\n"
        "  myapt:\n    packages: [nginx-core]\nrepo: https://example.com/probe\n",
    )
    write(probe / "metadata.yaml", f"name: probe\nsummary: s\ndescription: d\n{META}")
    write(probe / "reactive" / "probe.py", PROBE_HANDLERS)
    write(probe / "exec.d" / "00-prep" / "charm-pre-install", EXECD, 0o755)
    write(probe / "actions.yaml", "prefix:\n  description: report the status prefix\n")
    write(probe / "actions" / "prefix", ACTION.format(charm_env=REPO / "bin" / "charm-env"), 0o755)
    for charm in (probe, root / "sidecar"):
        write(charm / "README.md", f"{charm.name}\n")
        write(charm / "copyright", "none\n")
    sidecar = root / "sidecar"
    write(sidecar / "layer.yaml", "includes: ['layer:basic']\nrepo: https://example.com/s\n")
    write(
        sidecar / "metadata.yaml",
        f"name: sidecar\nsummary: s\ndescription: d\nsubordinate: true\n{META}"
        "requires:\n  host:\n    interface: juju-info\n    scope: container\n",
    )
    write(sidecar / "reactive" / "sidecar.py", SIDECAR_HANDLERS)
    return probe, sidecar


def test_a_layer_basic_charm_runs_its_whole_life(tmp_path, venv_cache):
    probe_layer, sidecar_layer = make_layers(tmp_path)
    builder = CharmBuilder(REPO / ".cache", layers_dirs=[tmp_path / "layers"])
    probe = builder.build(probe_layer, tmp_path / "out")
    sidecar = builder.build(sidecar_layer, tmp_path / "out")

    with Model(root=tmp_path / "model", share_venv=True, cache_dir=venv_cache) as model:
        stubs = SystemToolStubs(tmp_path / "stubs").install(model)
        model.deploy(probe, num_units=2)
        model.deploy(sidecar)
        model.relate("sidecar:host", "probe:juju-info")
        model.set_config("probe", {"extra_packages": "htop"})
        model.upgrade_charm("probe")
        action = model.run_action("probe/1", "prefix")
        names = ("probe/0", "probe/1", "sidecar/0", "sidecar/1")
        records = {u: list(model.unit(u).records) for u in names}
        subordinates = {u: [s.name for s in model.unit(u).subordinates] for u in ("probe/0",)}
        model.remove_unit("probe/0")
        with pytest.raises(UnknownUnitError):
            model.unit("sidecar/0")  # removed with its principal
        left = [s.name for s in model.unit("probe/1").subordinates]
        unit1 = model.unit("probe/1")
        flags = unit1.flags
        charm_dir = unit1.charm_dir
        status = unit1.status
        installs = [c for c in stubs.records if c.tool == "apt-get" and "install" in c.args]

    failed = [(u, r.hook, r.stderr[-300:]) for u, rs in records.items() for r in rs if r.exit_code]
    assert failed == []
    # exec.d: once per unit, before the first install, not again at upgrade-charm.
    assert (charm_dir.parent / "execd-ran").read_text() == "prepared by exec.d\n"
    # The status library was imported by the hook before the handlers, with its option.
    assert json.loads((charm_dir / "seen.json").read_text()) == {"prefix_at_import": "probe-"}
    assert status.message == "probe-ready"
    assert {"myapt.installed", "probe.ready"} <= flags
    assert (charm_dir / "upgrades").read_text() == "x"
    # apt-get: the apt layer's packages once per unit, then with config's extra package; the
    # bootstrap's `packages` once for the venv the emulator shares between units of a charm
    # (share_venv; on Juju each machine builds its own).
    by_unit: dict[str, list[tuple[str, ...]]] = {}
    for call in installs:
        words = tuple(a for a in call.args if not a.startswith("-"))
        by_unit.setdefault(call.unit, []).append((call.hook, *words))
    bootstrap = [c for u in by_unit.values() for c in u if c[-1] == "jq"]
    assert bootstrap == [("install", "install", "jq")]
    for unit in ("probe/0", "probe/1"):
        layer = [c for c in by_unit[unit] if c[-1] != "jq"]
        assert layer == [
            ("install", "install", "nginx-core"),
            ("config-changed", "install", "nginx-core", "htop"),
        ], by_unit
    # The subordinate: one unit beside each principal unit, gone with its principal.
    assert subordinates == {"probe/0": ["sidecar/0"]}
    assert left == ["sidecar/1"]
    sidecar_records = records["sidecar/1"]
    assert [r.hook for r in sidecar_records][:1] == ["install"]
    assert any(r.hook == "host-relation-joined" for r in sidecar_records)
    # The action ran under charm-env with the charm's venv and layer libraries.
    assert action.status == "completed", action
    assert action.results == {"prefix": "probe-"}
