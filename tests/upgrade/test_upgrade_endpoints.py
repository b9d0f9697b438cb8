"""A unit whose interface layers are Endpoints keeps its state from charms.reactive 1.5.3.

The fixture charm (``tests/data/upgrade_endpoint_charm``) has an Endpoint interface layer
(``ep-db``: its handlers log the ``changed.<key>`` flags they see, publish through
``to_publish`` and ``to_publish_raw`` in every hook, log ``all_departed_units``) and a
request/response requester (``ep-task``). It runs on charms.reactive 1.5.3 through a lifecycle
(joins, data, a key removed, a departure, a response), then is upgraded to this layer and goes
on (a changed key, a new request, another departure). One model runs the whole scenario once
(module fixture); each test checks one promise at the stage it concerns.

What 1.5.3 stored must mean the same afterwards: ``reactive.endpoints.departed.<name>``, the
change hashes ``reactive.data_changed.endpoint.<name>.<rid>.<unit>.<key>``, the request and
response keys in the bags. Where this layer differs from 1.5.3 on purpose (README, Endpoint
differences 46-61), the test asserts the documented behaviour and names the difference.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.reference import ensure_reference_venv
from helpers.upgrade import HOOKS, KINDS, OUR_HOOK, REF_HOOK, REPO, kv_state
from reactive_harness import Model

CHARM = REPO / "tests" / "data" / "upgrade_endpoint_charm"
REMOTE = REPO / "tests" / "data" / "upgrade_endpoint_remote"
UNIT = "epsubject/0"
DB = "epsubject:db epremote:db"
TASKS = "epsubject:tasks eptasks:tasks"
DEPARTED_KEY = "reactive.endpoints.departed.db"
HASHES = "reactive.data_changed.endpoint.db."

#: Under pytest-xdist (``--dist loadgroup``) the module's tests share one worker: its module
#: fixtures run the reference framework's scenario once, not once per worker.
pytestmark = pytest.mark.xdist_group("upgrade-endpoints")


def build(dest: Path, framework: str, ref_python: Path) -> Path:
    """Copy the fixture charm to ``dest`` with hook files calling ``framework``'s ``main()``."""
    shutil.copytree(CHARM, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if framework == "ref":
        hook = REF_HOOK.format(python=ref_python, bin=str(ref_python.parent))
    else:
        lib = dest / "lib"
        shutil.copytree(REPO / "lib", lib, ignore=shutil.ignore_patterns("__pycache__"))
        hook = OUR_HOOK.format(python=sys.executable, lib=str(lib))
    names = HOOKS + [f"{rel}-relation-{kind}" for rel in ("db", "tasks") for kind in KINDS]
    (dest / "hooks").mkdir(exist_ok=True)
    for name in names:
        path = dest / "hooks" / name
        path.write_text(hook)
        path.chmod(0o755)
    return dest


class Stage:
    """What the subject unit holds at one point, and the hooks run since the previous one."""

    def __init__(self, model: Model, since: int) -> None:
        unit = model.unit(UNIT)
        self.kv: dict[str, Any] = kv_state(unit)
        self.flags: set[str] = set(unit.flags)
        self.bags = {rel: model.relation_data(rel, UNIT) for rel in (DB, TASKS)}
        self.records = model.records[since:]

    def own(self) -> list[Any]:
        """The subject's hook records of this stage."""
        return [r for r in self.records if r.unit == UNIT and not r.skipped]

    def changes(self) -> list[list[Any]]:
        """``[hook, "changed" | "app.changed", keys]`` logged by the ep-db layer so far."""
        return list(self.kv.get("eptest.changes", []))


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Stage]]:
    ref_python = ensure_reference_venv()
    root = tmp_path_factory.mktemp("upgrade-endpoints")
    first = build(root / "charm-ref", "ref", ref_python)
    then = build(root / "charm-ours", "ours", ref_python)
    with Model(root / "model") as model:
        out: dict[str, Stage] = {}
        # -- on charms.reactive 1.5.3 --------------------------------------------------------
        model.deploy(first, "epsubject")
        model.deploy(REMOTE, "epremote", num_units=3)
        model.deploy(REMOTE, "eptasks")
        db = model.relate("epsubject:db", "epremote:db")
        tasks = model.relate("epsubject:tasks", "eptasks:tasks")
        for n in range(3):
            data = {"host": f"h{n}", "port": str(5430 + n), "tier": "gold"}
            model.set_relation_data(db, f"epremote/{n}", data, settle=False)
        model.set_relation_data(db, "epremote", {"cluster": "c1"}, settle=False)
        response = json.dumps({"result": "ok"})
        model.set_relation_data(tasks, "eptasks/0", {"response_req-build": response})
        model.remove_unit("epremote/2")  # departs with its data: host h2
        # 1.5.3 never notices a removed key (its hash stays); host h1 -> h1b is noticed.
        model.set_relation_data(db, "epremote/1", {"host": "h1b", "port": ""})
        out["before"] = Stage(model, 0)
        # -- the upgrade ---------------------------------------------------------------------
        seen = len(model.records)
        model.upgrade_charm("epsubject", then)
        out["upgraded"] = Stage(model, seen)
        # -- on this layer -------------------------------------------------------------------
        seen = len(model.records)
        model.set_relation_data(db, "epremote/0", {"port": "6000", "tier": ""})
        out["changed"] = Stage(model, seen)
        seen = len(model.records)
        model.set_config("epsubject", {"jobs": "build test"})
        out["requested"] = Stage(model, seen)
        seen = len(model.records)
        model.remove_unit("epremote/1")
        out["final"] = Stage(model, seen)
        for stage in out.values():
            failed = [r for r in stage.records if r.failed]
            assert not failed, failed[0].stderr
        yield out


# -- departed units ----------------------------------------------------------------------------


def test_departed_units_recorded_by_1_5_3_are_still_listed(stages: dict[str, Stage]) -> None:
    before, upgraded = stages["before"], stages["upgraded"]
    # 1.5.3 recorded the departure in its format: {relation, unit_name, data}.
    (entry,) = before.kv[DEPARTED_KEY]
    assert (entry["unit_name"], entry["data"]["host"]) == ("epremote/2", "h2")
    assert before.kv["eptest.departed"] == [["db-relation-departed", [["epremote/2", "h2"]]]]
    # The upgrade leaves the stored list as it is, and all_departed_units reads it.
    assert upgraded.kv[DEPARTED_KEY] == before.kv[DEPARTED_KEY]
    assert upgraded.kv["eptest.upgrade.departed"] == [["epremote/2", "h2"]]


def test_a_departure_after_the_upgrade_is_added_to_the_1_5_3_list(
    stages: dict[str, Stage],
) -> None:
    before, final = stages["before"], stages["final"]
    assert final.kv["eptest.departed"][-1] == [
        "db-relation-departed",
        [["epremote/2", "h2"], ["epremote/1", "h1b"]],
    ]
    stored = final.kv[DEPARTED_KEY]
    assert stored[0] == before.kv[DEPARTED_KEY][0]  # the 1.5.3 entry, untouched
    assert {k: stored[1][k] for k in ("relation", "unit_name")} == {
        "relation": stored[0]["relation"],
        "unit_name": "epremote/1",
    }
    assert stored[1]["data"]["host"] == "h1b"
    # The departed flag: set in -departed (as 1.x; the handler logged it there).
    (departed,) = [r for r in final.own() if r.hook == "db-relation-departed"]
    assert "endpoint.db.departed" in (departed.flags_after or ())


# -- joined and changed flags ------------------------------------------------------------------


def test_the_upgrade_keeps_the_flags_and_raises_no_changed_flag_for_unchanged_keys(
    stages: dict[str, Stage],
) -> None:
    before, upgraded = stages["before"], stages["upgraded"]
    assert {"endpoint.db.joined", "endpoint.tasks.joined", "db.published"} <= upgraded.flags
    assert "endpoint.db.departed" not in upgraded.flags
    # The layer cleared every db changed flag before the upgrade; none comes back.
    assert not [f for f in before.flags if f.startswith("endpoint.db.changed")]
    assert not [f for f in upgraded.flags if f.startswith("endpoint.db.changed")]
    new = upgraded.changes()[len(before.changes()) :]
    assert [c for c in new if c[1] == "changed"] == []
    # 1.5.3's hashes are this layer's: the same keys, the same digests.
    hashes_before = {k: v for k, v in before.kv.items() if k.startswith(HASHES)}
    hashes_after = {k: v for k, v in upgraded.kv.items() if k.startswith(HASHES)}
    hashes_after.pop(f"{HASHES}db:0.epremote.cluster")  # the app bag's, new (difference 48)
    removed_port = f"{HASHES}db:0.epremote/1.port"
    assert removed_port in hashes_before  # 1.5.3 kept the hash of a removed key
    # Difference 47: upgrade-charm forgets the hashes of keys that are gone, without a flag.
    assert hashes_after == {k: v for k, v in hashes_before.items() if k != removed_port}


def test_the_remote_application_bag_is_seen_once_at_the_upgrade(stages: dict[str, Stage]) -> None:
    """Difference 48 (new here): the app bag is watched; 1.5.3 kept no hash of it, so the
    upgrade-charm hook reports its keys once, and only then."""
    before, upgraded, final = stages["before"], stages["upgraded"], stages["final"]
    assert not [c for c in before.changes() if c[1] == "app.changed"]
    assert upgraded.changes()[len(before.changes()) :] == [
        ["upgrade-charm", "app.changed", ["cluster"]]
    ]
    assert [c for c in final.changes() if c[1] == "app.changed"] == [
        ["upgrade-charm", "app.changed", ["cluster"]]
    ]


def test_a_key_changed_after_the_upgrade_raises_only_its_flag(stages: dict[str, Stage]) -> None:
    upgraded, changed = stages["upgraded"], stages["changed"]
    new = changed.changes()[len(upgraded.changes()) :]
    # port changed; tier was removed: a change here (difference 46), 1.5.3 saw nothing.
    # host and Juju's address keys did not change: no flag for them.
    assert new == [["db-relation-changed", "changed", ["port", "tier"]]]
    assert changed.kv["eptest.hosts"] == [["epremote/0", "h0", 6000], ["epremote/1", "h1b", None]]


# -- what the unit published -------------------------------------------------------------------


def test_published_values_survive_and_are_not_sent_again(stages: dict[str, Stage]) -> None:
    before = stages["before"]
    assert before.bags[DB]["client"] == json.dumps(
        {"app": "epsubject", "want": ["host", "port"]}, sort_keys=True
    )
    assert before.bags[DB]["port-wanted"] == "5432"
    later = [stage for name, stage in stages.items() if name != "before"]
    for stage in later:
        assert stage.bags[DB] == before.bags[DB]
    # The ep-db handler rewrites the same values in every hook: nothing changes in Juju, so
    # the remote units get no -relation-changed. The only change the unit commits after the
    # upgrade is the new request (its key alone: difference 53, only changed keys are sent).
    commits = [(r.hook, b) for s in later for r in s.own() for b in r.bag_changes
               if b.owner == UNIT]  # fmt: skip
    assert [(hook, b.changed, b.removed) for hook, b in commits] == [
        ("config-changed", {"request_req-test": '{"job": "test", "request_id": "req-test"}'}, ())
    ]
    remote = [r for s in later for r in s.records if r.unit.startswith("epremote/")]
    assert not [r for r in remote if r.hook == "db-relation-changed"]
    for stage in later:
        for record in stage.own():
            # ep-db only writes, never reads its bag: the written keys are sent, at most one
            # relation-set per relation id (1.5.3 read the whole bag and sent it all back).
            db_sets = [c for c in record.tool_calls if c.argv[0] == "relation-set"
                       and any(a.startswith("db:") for a in c.argv)]  # fmt: skip
            assert len(db_sets) <= 1, record.hook
            # The requester reads its bag before writing: nothing is sent on tasks unless a
            # request is created.
            tasks_sets = [c for c in record.tool_calls if c.argv[0] == "relation-set"
                          and any(a.startswith("tasks:") for a in c.argv)]  # fmt: skip
            creates = stage is stages["requested"] and record.hook == "config-changed"
            assert len(tasks_sets) == (1 if creates else 0), record.hook


# -- request/response --------------------------------------------------------------------------


def test_requests_and_responses_survive_the_upgrade(stages: dict[str, Stage]) -> None:
    before, upgraded, requested = stages["before"], stages["upgraded"], stages["requested"]
    assert before.kv["eptest.requests"] == [["req-build", "build", "ok"]]
    assert before.bags[TASKS]["request_req-build"] == json.dumps(
        {"job": "build", "request_id": "req-build"}, sort_keys=True
    )
    assert {"endpoint.tasks.has_responses", "endpoint.tasks.all_responses"} <= before.flags
    assert upgraded.kv["eptest.upgrade.requests"] == [["req-build", "build", "ok"]]
    assert {"endpoint.tasks.has_responses", "endpoint.tasks.all_responses"} <= upgraded.flags
    assert upgraded.bags[TASKS] == before.bags[TASKS]
    # A new request after the upgrade: one key added, the old request not rewritten.
    added = {k: v for k, v in requested.bags[TASKS].items() if k not in before.bags[TASKS]}
    assert added == {"request_req-test": json.dumps({"job": "test", "request_id": "req-test"})}
    assert {k: requested.bags[TASKS][k] for k in before.bags[TASKS]} == before.bags[TASKS]
    assert "endpoint.tasks.has_responses" in requested.flags
    assert "endpoint.tasks.all_responses" not in requested.flags  # req-test has no answer
    # (The charm's summary handler may run before the requester's in that hook: read the
    # summary of the next stage.)
    summary = sorted(stages["final"].kv["eptest.requests"])
    assert summary == [["req-build", "build", "ok"], ["req-test", "test", None]]


def test_requests_created_before_the_upgrade_come_first(stages: dict[str, Stage]) -> None:
    # Difference 60: requests are listed in creation order. Those 1.5.3 created have no
    # recorded order, but they were all created before any request made after the upgrade.
    assert stages["final"].kv["eptest.requests"] == [
        ["req-build", "build", "ok"],
        ["req-test", "test", None],
    ]
