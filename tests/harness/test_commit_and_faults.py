"""Commit-on-success, failed hooks, retry/resolve and injected faults.

Juju sends a hook's relation settings (and port changes) to the controller only when the hook
exits 0; a failed hook puts the unit in error and its later hooks wait until ``juju resolved``.
Status and juju-log take effect at once.
"""

from __future__ import annotations

import pytest

from reactive_harness import HookFailedError, Model, UnitInErrorError


@pytest.fixture
def lenient(tmp_path):
    with Model(tmp_path / "m", fail_fast=False) as model:
        yield model


WRITE_THEN_FAIL = """
relation-set -r "$JUJU_RELATION_ID" k=v
open-port 8080
status-set maintenance "half way"
juju-log "about to fail"
exit 1
"""


def test_failed_hook_commits_nothing_but_keeps_status_and_log(lenient, make_charm):
    lenient.deploy(
        make_charm("a", provides={"x": "i"}, hooks={"x-relation-joined": WRITE_THEN_FAIL})
    )
    lenient.deploy(make_charm("b", requires={"x": "i"}))
    rel = lenient.relate("a", "b")
    unit = lenient.unit("a/0")
    assert unit.error is not None
    assert unit.error.hook == "x-relation-joined"
    assert not unit.error.committed
    assert "k" not in rel.data("a/0")
    assert unit.opened_ports == []
    assert unit.status.status == "maintenance"
    assert [line.message for line in unit.log] == [f"x:{rel.id}: about to fail"]
    # Nothing reached the other side; a/0's queue waits.
    assert [r.hook for r in lenient.records if r.unit == "b/0"][-1] == "x-relation-changed"
    assert lenient.pending()["a/0"] == ["x-relation-changed"]


def test_fail_fast_model_raises_with_the_hooks_stderr(model, make_charm):
    charm = make_charm("a", hooks={"install": "echo boom >&2; exit 4"})
    with pytest.raises(
        HookFailedError, match=r"hook 'install' of unit a/0 failed with exit code 4\n\s+boom"
    ):
        model.deploy(charm)
    assert model.unit("a/0").error.exit_code == 4
    assert model.pending()["a/0"][0] == "leader-elected"


def test_retry_reruns_the_failed_hook_and_then_the_rest(lenient, make_charm, tmp_path):
    flag = tmp_path / "fail"
    flag.touch()
    lenient.deploy(make_charm("a", hooks={"install": f"test ! -e {flag}"}))
    assert lenient.unit("a/0").error.hook == "install"
    flag.unlink()
    record = lenient.retry("a/0")
    assert (record.hook, record.exit_code, record.retry_of) == ("install", 0, 1)
    assert lenient.unit("a/0").error is None
    assert [r.hook for r in lenient.records][-1] == "start"


def test_resolve_skips_the_failed_hook(lenient, make_charm):
    lenient.deploy(make_charm("a", hooks={"install": "exit 1"}))
    lenient.resolve("a/0")
    assert [r.hook for r in lenient.records] == [
        "install",
        "leader-elected",
        "config-changed",
        "start",
    ]
    with pytest.raises(UnitInErrorError, match="not in error"):
        lenient.retry("a/0")


def test_unit_in_error_does_not_block_other_units(lenient, make_charm):
    lenient.deploy(
        make_charm("a", hooks={"install": 'test "$JUJU_UNIT_NAME" != a/0'}), num_units=2
    )
    assert lenient.unit("a/0").error is not None
    assert [r.hook for r in lenient.unit("a/1").records][-1] == "start"


def test_injected_fail_makes_the_kth_tool_call_fail(model, make_charm):
    model.deploy(make_charm("a", provides={"x": "i"}))
    model.deploy(make_charm("b", requires={"x": "i"}))
    rel = model.relate("a", "b")
    model.inject_fault("b/0", call=2, message="connection is shut down")
    record = model.exec(
        "b/0", f"relation-set -r {rel.id} one=1; relation-set -r {rel.id} two=2 || exit 7"
    )
    assert record.exit_code == 7
    assert [(c.tool, c.exit_code) for c in record.tool_calls] == [
        ("relation-set", 0),
        ("relation-set", 1),
    ]
    assert record.tool_calls[1].stderr == "ERROR connection is shut down\n"
    assert "one" not in rel.data("b/0")
    # The fault is used up: the next command runs clean.
    assert model.exec("b/0", f"relation-set -r {rel.id} two=2").committed


def test_injected_kill_stops_the_hook_in_its_tool_call(lenient, make_charm, tmp_path):
    marker = tmp_path / "after"
    lenient.deploy(
        make_charm(
            "a",
            peers={"p": "q"},
            hooks={
                "config-changed": f"""
        relation-set -r 0 k=v
        is-leader
        touch {marker}
    """
            },
        )
    )
    marker.unlink()
    lenient.exec("a/0", "relation-set -r 0 k=")
    start = len(lenient.records)
    lenient.inject_fault("a/0", call=2, kind="kill", hook="config-changed")
    lenient.upgrade_charm("a")
    killed = lenient.unit("a/0").error
    assert killed is not None
    assert killed.hook == "config-changed"
    assert killed.killed
    assert killed.exit_code == -9
    assert [c.tool for c in killed.tool_calls] == ["relation-set", "is-leader"]
    assert not marker.exists()
    assert "k" not in lenient.relation_data(0, "a/0")
    assert start < killed.seq


def test_failed_action_does_not_put_unit_in_error(model, make_charm):
    charm = make_charm("a", actions={"go": 'action-set out=1\naction-fail "nope"'})
    model.deploy(charm)
    result = model.run_action("a/0", "go")
    assert (result.status, result.message, result.results) == ("failed", "nope", {"out": "1"})
    assert model.unit("a/0").error is None


def test_action_parameters_defaults_and_results(model):
    from helpers.harness import PROVIDER

    model.deploy(PROVIDER, "web")
    result = model.run_action("web/0", "echo")
    assert (result.status, result.results, result.log) == (
        "completed",
        {"echoed": "hello"},
        ["echoing"],
    )
    assert model.run_action("web/0", "echo", {"message": "hi"}).results == {"echoed": "hi"}
    assert result.record.env["JUJU_ACTION_NAME"] == "echo"
