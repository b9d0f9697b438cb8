"""The fixture charm works end to end, both as processes and in-process."""

from __future__ import annotations

from helpers.reliability import REMOTE
from reactive_harness import Model
from reactive_harness.inprocess import InProcessExecutor


def _run(model, charm):
    model.deploy(charm, "subject", num_units=2)
    model.deploy(REMOTE, "beta")
    rel = model.relate("subject:u", "beta:u")
    model.relate("subject:g", "beta:g")
    model.set_relation_data(rel, "beta/0", {"value": "1"})
    unit = model.unit("subject/0")
    assert {
        "subject.installed",
        "subject.configured",
        "u.connected",
        "u.available",
        "g.connected",
    } <= unit.flags
    assert unit.data(rel)["hello"] == "subject/0"
    assert unit.data(rel)["greeting"] == "hello"
    return unit.kv("reactive.conversations")


def test_fixture_charm_in_subprocesses(model, subject_charm):
    convs = _run(model, subject_charm)
    assert any(k.endswith(".beta/0") for k in convs)


def test_fixture_charm_in_process(tmp_path, subject_charm):
    executor = InProcessExecutor()
    with Model(tmp_path / "m", executor=executor) as model:
        convs = _run(model, subject_charm)
    assert executor.in_process > 10
    assert any(k.endswith(".beta/0") for k in convs)


def test_in_process_hooks_see_every_config_change(tmp_path, subject_charm):
    """Regression: charmhelpers' config() cache leaked from one in-process hook to the next."""
    with Model(tmp_path / "m", executor=InProcessExecutor()) as model:
        model.deploy(subject_charm, "subject")
        for value in ("one", "two", "three"):
            model.set_config("subject", {"greeting": value})
            assert model.unit("subject/0").kv("subject.greeting") == {"subject.greeting": value}
