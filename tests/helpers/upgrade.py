"""Helpers for the upgrade tests: the fixture charm built for either framework, and snapshots.

``charms["ref"]`` is ``tests/data/upgrade_charm`` as a charm built on charms.reactive 1.5.3
(the reference venv: its hooks are ``#!<reference python>`` scripts calling the reference's
``charms.reactive.main()``, and its ``bin/`` is put on ``PATH`` for bash handlers);
``charms["ours"]`` is the same source built on this layer (``lib/`` copied in, hooks calling our
``main()``, ``bin/charms.reactive{,.sh}`` as the layer ships them). Both are run in the emulator.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.reference import ensure_reference_venv
from reactive_harness import Model, Unit

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
CHARM = DATA / "upgrade_charm"
REMOTE = DATA / "upgrade_remote"
RELATIONS = ("unitrel", "svcrel", "globrel", "custrel", "ring")
HOOKS = ["install", "start", "config-changed", "update-status", "upgrade-charm", "stop", "remove",
         "leader-elected", "leader-settings-changed"]  # fmt: skip
KINDS = ("created", "joined", "changed", "departed", "broken")

#: Keys that are bookkeeping of one dispatch, not state a charm carries across hooks (and the
#: record of the last commit, numbered by how many hooks of this layer committed; and the
#: notified view, a cache of what Juju said whose keys depend on what was read when: checked
#: against Juju's own view by the lifecycle fuzzer and tests/interfaces/test_notified_view.py).
TRANSIENT = ("reactive.dispatch.", "reactive.state_watch", "reactive.flag_set_triggers.",
             "reactive.flag_clear_triggers.", "reactive.last_commit",
             "reactive.notified.")  # fmt: skip

REF_HOOK = """#!{python}
import os
os.environ["PATH"] = {bin!r} + os.pathsep + os.environ["PATH"]
from charms.reactive import main
main()
"""
OUR_HOOK = """#!{python}
import sys
sys.path.insert(0, {lib!r})
from charms.reactive import main
main()
"""
OUR_CLI = """#!{python}
import sys
sys.path.insert(0, {lib!r})
from charms.reactive.cli import main
sys.exit(main())
"""


def _write_exec(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def build(dest: Path, framework: str, ref_python: Path, *, bash: bool = False) -> Path:
    """Copy the fixture charm to ``dest`` and add the hooks of ``framework`` (ref or ours).

    The bash handler (``reactive/announce``) is left out unless ``bash``: each hook tests it
    with several ``charms.reactive`` processes, which makes the long scenarios slow.
    """
    shutil.copytree(CHARM, dest)
    if not bash:
        (dest / "reactive" / "announce").unlink()
    if framework == "ref":
        hook = REF_HOOK.format(python=ref_python, bin=str(ref_python.parent))
        shebang = f"#!{ref_python}\n"
    else:
        lib = dest / "lib"
        shutil.copytree(REPO / "lib", lib, ignore=shutil.ignore_patterns("__pycache__"))
        hook = OUR_HOOK.format(python=sys.executable, lib=str(lib))
        shebang = f"#!{sys.executable}\nimport sys; sys.path.insert(0, {str(lib)!r})\n"
        _write_exec(
            dest / "bin" / "charms.reactive", OUR_CLI.format(python=sys.executable, lib=str(lib))
        )
        shutil.copy(REPO / "bin" / "charms.reactive.sh", dest / "bin" / "charms.reactive.sh")
    names = HOOKS + [f"{rel}-relation-{kind}" for rel in RELATIONS for kind in KINDS]
    for name in names:
        _write_exec(dest / "hooks" / name, hook)
    action = dest / "actions" / "hosts"
    text = action.read_text()
    body = text[text.index("\nimport json") + 1 :]  # without the built charm's bootstrap lines
    _write_exec(action, shebang + body)
    return dest


@pytest.fixture(scope="session")
def ref_python() -> Path:
    """The reference venv's python (charms.reactive 1.5.3 on charmhelpers 1.2.1)."""
    return ensure_reference_venv()


@pytest.fixture
def charms(tmp_path: Path, ref_python: Path) -> dict[str, Path]:
    """The fixture charm built for each framework: ``{"ref": dir, "ours": dir}``."""
    return {fw: build(tmp_path / f"charm-{fw}", fw, ref_python) for fw in ("ref", "ours")}


@pytest.fixture
def new_model(tmp_path: Path) -> Iterator[Callable[[str], Model]]:
    """Make models rooted in the test's temporary directory; closed after the test."""
    made: list[Model] = []

    def _make(name: str) -> Model:
        model = Model(tmp_path / f"model-{name}")
        made.append(model)
        return model

    yield _make
    for model in made:
        model.close()


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """List where two snapshots differ, one line per leaf (for readable assertion messages)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                left, right = a.get(key, "<absent>"), b.get(key, "<absent>")
                out.append(f"{path}/{key}: {left!r} != {right!r}")
            else:
                out += differences(a[key], b[key], f"{path}/{key}")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def normalise(value: Any, charm_dir: Path) -> Any:
    """Replace the unit's charm directory in ids (``reactive.invoked.<file>:...``) by a token."""
    text = json.dumps(value, sort_keys=True).replace(str(charm_dir), "$CHARM_DIR")
    return json.loads(text)


def kv_state(unit: Unit) -> dict[str, Any]:
    """The unit's kv, without per-dispatch bookkeeping, with its charm dir normalised."""
    raw = {k: v for k, v in unit.kv().items() if not k.startswith(TRANSIENT)}
    return normalise(raw, unit.charm_dir)


def snapshot(model: Model, app: str = "subject") -> dict[str, Any]:
    """What an upgrade must keep, per unit: kv, flags, relation data sent, files written."""
    out: dict[str, Any] = {}
    for unit in model.app(app).units:
        bags = {}
        for rel in model.relations:
            if any(end.startswith(app + ":") for end in rel.endpoints) and not rel.removed:
                bags[rel.key(app)] = rel.data(unit)
        announced = unit.charm_dir / "announced.txt"
        out[unit.name] = {
            "kv": kv_state(unit),
            "flags": sorted(unit.flags),
            "bags": bags,
            "announced": announced.read_text() if announced.exists() else None,
        }
    return out


def hosts_action(model: Model, unit: str) -> dict[str, Any]:
    """Run the fixture's ``hosts`` action on ``unit``; it must complete. Return its results."""
    result = model.run_action(unit, "hosts")
    assert result.status == "completed", f"{unit}: {result.message}\n" + "\n".join(result.log)
    return result.results


def write_kv(unit: Unit, drop: list[str], put: dict[str, Any]) -> None:
    """Edit a unit's .unit-state.db directly, as a charm left it (between hooks)."""
    db = sqlite3.connect(unit.charm_dir / ".unit-state.db")
    with db:
        for key in drop:
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
        for key, value in put.items():
            db.execute(
                "INSERT OR REPLACE INTO kv (key, data) VALUES (?, ?)", (key, json.dumps(value))
            )
    db.close()
