"""Bad remote input: never evaluated, never fatal, nothing lost."""

from __future__ import annotations

import pytest

from helpers.reliability import REMOTE
from reactive_harness import Model
from reactive_harness.inprocess import InProcessExecutor

BAD_VALUES = {
    "code": "__import__('os').system('touch PWNED')",
    "not-json": "{unclosed",
    "json-looking": '{"value": [1, 2, {"nested": null}]}',
    "binary-ish": "\x01\x02\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
    "nul": "a\x00b",
    "newlines": "line1\nline2\r\n",
    "one-mib": "x" * (1 << 20),
    "whitespace": "   ",
}

ODD_KEYS = [
    "odd.key-with_ünïcode",
    "key with spaces",
    "key=with=equals",
    "-leading-dash",
    "k" * 300,
    "reactive.states.u.available",  # a remote key named like one of our kv keys
    "None",
]


def _related(tmp_path, subject_charm) -> tuple[Model, object]:
    model = Model(tmp_path / "m", executor=InProcessExecutor())  # fails fast
    model.deploy(subject_charm, "subject")
    model.deploy(REMOTE, "beta")
    rel = model.relate("subject:u", "beta:u")
    return model, rel


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_bad_remote_value_stays_a_string(tmp_path, subject_charm, name):
    model, rel = _related(tmp_path, subject_charm)
    with model:
        model.set_relation_data(rel, "beta/0", {"value": BAD_VALUES[name]})
        unit = model.unit("subject/0")
        assert all(r.exit_code in (None, 0) for r in model.records)
        assert not (unit.charm_dir / "PWNED").exists()
        assert "u.available" in unit.flags
        assert model.relation_data(rel, "beta/0")["value"] == BAD_VALUES[name]
        assert unit.data(rel)["hello"] == "subject/0"  # our own writes went through


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_remote_keys_are_ignored_safely(tmp_path, subject_charm, key):
    model, rel = _related(tmp_path, subject_charm)
    with model:
        model.set_relation_data(rel, "beta/0", {key: "v", "value": "1"})
        unit = model.unit("subject/0")
        assert all(r.exit_code in (None, 0) for r in model.records)
        assert "u.available" in unit.flags
        assert model.relation_data(rel, "beta/0")[key] == "v"
        kv = unit.kv("")
        assert not [k for k in kv if k.startswith("reactive.conversations.None")], kv
        assert unit.kv("reactive.states.u.available")["reactive.states.u.available"] == {
            "relation": "u",
            "conversations": ["reactive.conversations.u:1.beta/0"],
        }


def test_empty_value_and_emptied_bag(tmp_path, subject_charm):
    """An empty value deletes the key (Juju); an emptied bag clears the flag it fed."""
    model, rel = _related(tmp_path, subject_charm)
    with model:
        model.set_relation_data(rel, "beta/0", {"value": "1", "other": "x"})
        unit = model.unit("subject/0")
        assert "u.available" in unit.flags
        model.set_relation_data(rel, "beta/0", {"value": "", "other": ""})
        assert "value" not in model.relation_data(rel, "beta/0")
        assert "u.available" not in unit.flags
        assert "u.connected" in unit.flags  # the conversation itself stays
        assert all(r.exit_code in (None, 0) for r in model.records)
