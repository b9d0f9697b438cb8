"""charmhelpers.core.reactive (the name of 2015): the very objects of charms.reactive."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import charms.reactive
from charms.reactive import _legacy_namespace, bus, main, relations


@pytest.fixture
def alias():
    before = list(sys.meta_path)
    _legacy_namespace.install()
    _legacy_namespace.install()  # idempotent
    yield
    sys.meta_path[:] = before
    for name in list(sys.modules):
        if name == _legacy_namespace.ALIAS or name.startswith(_legacy_namespace.ALIAS + "."):
            del sys.modules[name]


def test_the_old_names_are_the_same_objects(alias):
    from charmhelpers.core.reactive import RelationBase, hook, scopes, when
    from charmhelpers.core.reactive import main as old_main
    from charmhelpers.core.reactive.bus import discover
    from charmhelpers.core.reactive.relations import RelationBase as OldRelationBase

    assert (RelationBase, hook, scopes, when) == (
        charms.reactive.RelationBase,
        charms.reactive.hook,
        charms.reactive.scopes,
        charms.reactive.when,
    )
    assert old_main is main
    assert discover is bus.discover
    assert OldRelationBase is relations.RelationBase
    old_helpers = importlib.import_module("charmhelpers.core.reactive.helpers")
    assert old_helpers is importlib.import_module("charms.reactive.helpers")
    assert len([f for f in sys.meta_path if type(f).__name__ == "_AliasFinder"]) == 1


def test_a_missing_submodule_is_named_by_its_old_name(alias):
    with pytest.raises(ModuleNotFoundError, match=r"charmhelpers\.core\.reactive\.nope"):
        importlib.import_module("charmhelpers.core.reactive.nope")


def test_importing_charms_reactive_installs_nothing():
    code = (
        "import sys, charms.reactive\n"
        "print(any(type(f).__name__ == '_AliasFinder' for f in sys.meta_path))\n"
    )
    lib = str(Path(charms.reactive.__file__).parents[2])
    out = subprocess.run(
        [sys.executable, "-c", code], env={"PYTHONPATH": lib}, capture_output=True, text=True
    )
    assert out.stdout.strip() == "False", out.stderr
