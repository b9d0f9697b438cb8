"""Bad remote input: never evaluated, never fatal, nothing lost."""

from __future__ import annotations

import pytest

from inprocess import InProcessExecutor
from reactive_harness import Model
from relsupport import REMOTE

BAD_VALUES = {
    "code": "__import__('os').system('touch PWNED')",
    "not-json": "{unclosed",
    "binary-ish": "\x01\x02\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
    "one-mib": "x" * (1 << 20),
    "odd key": "value",
}


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_bad_remote_value_stays_a_string(tmp_path, subject_charm, name):
    with Model(tmp_path / "m", executor=InProcessExecutor()) as model:  # fails fast
        model.deploy(subject_charm, "subject")
        model.deploy(REMOTE, "beta")
        rel = model.relate("subject:u", "beta:u")
        key = "value" if name != "odd key" else "odd.key-with_ünïcode"
        model.set_relation_data(rel, "beta/0", {key: BAD_VALUES[name]})
        unit = model.unit("subject/0")
        assert all(r.exit_code in (None, 0) for r in model.records)
        assert not (unit.charm_dir / "PWNED").exists()
        assert ("u.available" in unit.flags) == (key == "value")
        assert model.relation_data(rel, "beta/0")[key] == BAD_VALUES[name]
