"""charms.layer in a built charm: layers written for layer-basic, with and without layer:options.

The charm includes ``layer:basic`` (this layer), a ``layer:mystatus`` written as
layer:status is (a library that reads its option with ``layer.options.get`` and a handler
that reaches it as ``layer.mystatus``), and, in one variant, a stand-in for
``layer:options``, whose ``lib/charms/layer/options.py`` replaces ours in the build.
An action runs under ``charm-env`` as layer-basic's actions do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.build import REPO
from reactive_harness import Model
from reactive_harness.build import CharmBuilder

pytestmark = [pytest.mark.build, pytest.mark.e2e]

MYSTATUS_LIB = """\
from charmhelpers.core import hookenv
from charms import layer

PATCH = layer.options.get("mystatus", "patch-hookenv")
hookenv.mystatus_imported = True  # an import side effect, as layer:status patches hookenv


def describe():
    return {"patch": PATCH, "callable": layer.options("mystatus")}
"""

OPTIONS_STAND_IN = '''\
"""layer:options stand-in, written for this test in its manner: PyYAML, a get() function only."""
import os
from pathlib import Path

import yaml

_CHARM = Path(os.environ.get("JUJU_CHARM_DIR", "."))


def get(section=None, option=None, layer_file=_CHARM / "layer.yaml"):
    if option and not section:
        raise ValueError("option without section")
    data = yaml.safe_load((_CHARM / layer_file).read_text()).get("options", {})
    if section:
        data = data.get(section, {})
    if option:
        data = data.get(option)
    return data
'''

HANDLERS = """\
import json

from charmhelpers.core import hookenv
from charms import layer
from charms.layer import basic
from charms.reactive import set_flag, when_not


@when_not("probe.done")
def probe():
    imported_before = getattr(hookenv, "mystatus_imported", False)  # before layer.mystatus
    report = {
        "imported_before_handlers": imported_before,
        "mystatus": layer.mystatus.describe(),
        "basic": layer.options("basic"),
        "get": layer.options.get("basic", "use_venv"),
        "series": basic.get_series(),
        "options_file": layer.options.__file__.rsplit("/", 1)[-1],
    }
    with open("probe.json", "w") as out:
        json.dump(report, out)
    set_flag("probe.done")
"""

ACTION = """\
#!{charm_env} python3
import json
from charmhelpers.core import hookenv
from charms import layer

hookenv.action_set({{"patch": json.dumps(layer.options.get("mystatus", "patch-hookenv"))}})
"""


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def make_layers(root: Path, *, with_layer_options: bool, charm_env: Path) -> Path:
    """Write the layers and the charm; return the charm layer."""
    layers = root / "layers"
    write(
        layers / "mystatus" / "layer.yaml",
        "defines:\n  patch-hookenv:\n    type: boolean\n    default: true\n"
        "    description: a layer:status-like option\n",
    )
    write(layers / "mystatus" / "lib" / "charms" / "layer" / "mystatus.py", MYSTATUS_LIB)
    if with_layer_options:
        write(layers / "options" / "layer.yaml", "{}\n")
        write(layers / "options" / "lib" / "charms" / "layer" / "options.py", OPTIONS_STAND_IN)
    includes = ["layer:basic", "layer:mystatus"]
    if with_layer_options:
        includes.insert(1, "layer:options")
    charm = root / "probe"
    write(
        charm / "layer.yaml",
        f"includes: {json.dumps(includes)}\noptions:\n  mystatus:\n    patch-hookenv: false\n"
        "repo: https://example.com/probe\n",
    )
    write(
        charm / "metadata.yaml",
        "name: probe\nsummary: s\ndescription: d\nmaintainer: T <t@example.com>\n"
        "tags: [misc]\nseries: [jammy]\n",
    )
    write(charm / "reactive" / "probe.py", HANDLERS)
    write(charm / "actions.yaml", "patch:\n  description: report the option\n")
    write(charm / "actions" / "patch", ACTION.format(charm_env=charm_env), 0o755)
    write(charm / "README.md", "probe\n")
    write(charm / "copyright", "none\n")
    return charm


@pytest.mark.parametrize("with_layer_options", [False, True], ids=["ours", "layer-options"])
def test_layers_written_for_layer_basic_run_unchanged(tmp_path, venv_cache, with_layer_options):
    charm_env = REPO / "bin" / "charm-env"  # the emulator's charms are not under /var/lib/juju
    layer = make_layers(tmp_path, with_layer_options=with_layer_options, charm_env=charm_env)
    builder = CharmBuilder(REPO / ".cache", layers_dirs=[tmp_path / "layers"])
    built = builder.build(layer, tmp_path / "out")
    options_py = (built / "lib" / "charms" / "layer" / "options.py").read_text()
    assert ("layer:options stand-in" in options_py) is with_layer_options
    assert (built / "bin" / "charm-env").is_file()

    with Model(root=tmp_path / "model", share_venv=True, cache_dir=venv_cache) as model:
        model.deploy(built)
        unit = model.unit("probe/0")
        assert all(r.exit_code == 0 for r in unit.records), [r.stderr for r in unit.records]
        report = json.loads((unit.charm_dir / "probe.json").read_text())
        result = model.run_action("probe/0", "patch")
    assert report["imported_before_handlers"] is True  # every hook imports the layer libs
    assert report["mystatus"] == {"patch": False, "callable": {"patch-hookenv": False}}
    assert report["basic"]["use_venv"] is True
    assert report["get"] is True
    assert report["series"]
    assert report["options_file"] == "options.py"
    assert result.status == "completed", result
    assert result.results == {"patch": "false"}
