"""The per-hook Runtime: activation, the shared kv store, commit and rollback."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from charms.reactive import _runtime
from charms.reactive._runtime import Runtime
from charms.reactive.errors import MetadataError
from helpers.fakes import FakeHookTools, close_kv, make_context


def stored(db) -> dict[str, str]:
    if not db.exists():
        return {}
    # closing(): "with sqlite3.connect()" commits but never closes (ResourceWarning on 3.13).
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("select key, data from kv").fetchall())


@pytest.fixture
def rt(tmp_path):
    (tmp_path / "metadata.yaml").write_text(
        "name: web\nrequires:\n  db: {interface: mysql}\n  db2: {interface: mysql}\n"
        "provides:\n  website: {interface: http}\npeers:\n  cluster: {interface: peer}\n"
    )
    r = Runtime(make_context(tmp_path), FakeHookTools(bags={"db:1": {}}))
    yield r
    close_kv(r)


def test_activate_makes_runtime_current_and_restores(rt):
    outer = Runtime(rt.context, FakeHookTools())
    with _runtime.activate(outer):
        with _runtime.activate(rt):
            assert _runtime.current() is rt
        assert _runtime.current() is outer


def test_commit_flushes_kv_and_relation_writes(rt, tmp_path):
    rt.kv.set("reactive.states.x", None)
    rt.tools.relation_set("db:1", {"a": "1"})
    seen = []

    def before_store():
        # After the relation writes were sent, before the store is committed.
        committed = stored(tmp_path / ".unit-state.db")
        seen.append(
            (dict(rt.tools.inner.bags["db:1"]["local/0"]), "reactive.states.x" in committed)
        )

    rt.commit(before_store=before_store)
    assert seen == [({"a": "1"}, False)]
    assert stored(tmp_path / ".unit-state.db")["reactive.states.x"] == "null"
    assert rt.tools.inner.bags["db:1"]["local/0"] == {"a": "1"}


def test_rollback_discards_kv_and_relation_writes(rt, tmp_path):
    rt.kv.set("reactive.states.x", None)
    rt.tools.relation_set("db:1", {"a": "1"})
    rt.rollback()
    rt.tools.flush()
    assert "reactive.states.x" not in stored(tmp_path / ".unit-state.db")
    assert rt.tools.inner.count("relation-set") == 0


def test_kv_is_charmhelpers_singleton_shared_with_charm_code(rt):
    from charmhelpers.core import unitdata

    store = rt.kv
    assert unitdata.kv() is store.storage
    assert rt.kv is store
    rt.kv.set("ours", 1)
    assert unitdata.kv().get("ours") == 1  # one connection, one transaction


def test_metadata_is_read_once_and_answers_roles(rt, tmp_path):
    def role_and_interface(name):
        spec = rt.metadata.endpoints.get(name)
        return (spec.role, spec.interface) if spec else None

    assert role_and_interface("db") == ("requires", "mysql")
    assert role_and_interface("cluster") == ("peers", "peer")
    assert role_and_interface("nope") is None
    assert rt.metadata.relations_for("requires", "mysql") == ["db", "db2"]
    (tmp_path / "metadata.yaml").write_text("garbage: [")
    assert role_and_interface("db") == ("requires", "mysql")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "cannot read"),
        ("name: [", "not valid YAML"),
        ("- a\n- b\n", "mapping at the top level"),
        ("requires: [db]\n", "'requires' must be a mapping"),
        ("requires:\n  db: {}\n", "has no 'interface'"),
        ("requires:\n  db: {interface: x}\nprovides:\n  db: {interface: x}\n", "declared twice"),
    ],
    ids=["missing", "not-yaml", "not-mapping", "section-list", "no-interface", "duplicate"],
)
def test_bad_metadata_raises_metadata_error(tmp_path, text, message):
    if text is not None:
        (tmp_path / "metadata.yaml").write_text(text)
    rt = Runtime(make_context(tmp_path), FakeHookTools())
    with pytest.raises(MetadataError, match=message):
        _ = rt.metadata
