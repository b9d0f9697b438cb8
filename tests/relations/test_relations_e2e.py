"""End to end in the Juju emulator: every scope, two remote applications, one of them related
twice on the same relation name, several units, data changes, departures and broken relations.

After *every* hook of the subject charm the test checks, against an oracle built from the
hooks Juju ran (who joined, who departed, what broke):

* the stored conversations (keys and units) and that no local data outlives them;
* the ``<relation>.connected`` flag (set per conversation by the interface, never removed by
  it) references exactly the stored conversations: departure and breakage are automatic;
* the subject's relation data on every relation id it has joined;
* hook-tool economy: per hook at most one ``relation-get`` per (relation id, unit), one
  ``relation-list`` per id, one ``relation-ids`` per name, one ``relation-set`` per id, and no
  ``relation-get`` at all in hooks where no handler reads remote data.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from reactive_harness import HookRecord, InProcessExecutor, Model

DATA = Path(__file__).resolve().parent.parent / "data"
LIB = Path(__file__).resolve().parents[2] / "lib"
KEY = "reactive.conversations."
SCOPES = {"unitrel": "unit", "svcrel": "service", "globrel": "global", "custrel": "pool"}
SCOPES_ALL = {**SCOPES, "ring": "unit"}
HOOKS = ["install", "start", "config-changed", "update-status", "upgrade-charm", "stop", "remove",
         "leader-elected", "leader-settings-changed"]  # fmt: skip
HOOK_SCRIPT = f"""#!{sys.executable}
import sys
sys.path.insert(0, {str(LIB)!r})
from charms.reactive import main
main()
"""

#: (relation, hook kind) -> Counter of the most calls seen per tool, for the report.
TOOL_MAXIMA: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)


def build_subject(tmp_path: Path) -> Path:
    """Copy the fixture charm and add a Python hook file for every hook it can get."""
    charm = tmp_path / "subject"
    shutil.copytree(DATA / "relations_charm", charm)
    names = list(HOOKS)
    for rel in SCOPES_ALL:
        names += [
            f"{rel}-relation-{kind}"
            for kind in ("created", "joined", "changed", "departed", "broken")
        ]
    for name in names:
        hook = charm / "hooks" / name
        hook.write_text(HOOK_SCRIPT)
        hook.chmod(0o755)
    return charm


class Oracle:
    """What Juju told each subject unit, and what its state must therefore be."""

    def __init__(self, model: Model) -> None:
        self.model = model
        #: unit -> relation id -> remote units joined and not departed
        self.members: dict[str, dict[str, set[str]]] = defaultdict(dict)
        self.hooks = 0

    def observe(self, record: HookRecord) -> None:
        if not record.unit.startswith("subject/"):
            assert record.skipped, record  # the remote charm has no hooks
            return
        assert record.exit_code == 0, record.stderr
        self.hooks += 1
        rid, remote = record.relation_id, record.remote_unit
        members = self.members[record.unit]
        kind = record.hook.rsplit("-", 1)[-1]
        if rid and kind == "joined":
            members.setdefault(rid, set()).add(str(remote))
        elif rid and kind == "departed":
            members.get(rid, set()).discard(str(remote))
        elif rid and kind == "broken":
            members.pop(rid, None)
        self.check_tools(record)
        self.check_state(record.unit)

    def check_tools(self, record: HookRecord) -> None:
        seen: Counter[tuple[str, ...]] = Counter()
        for call in record.tool_calls:
            argv = call.argv
            assert call.exit_code == 0, (argv, call.stderr)
            if argv[0] in ("relation-get", "relation-list", "relation-set"):
                rid = argv[argv.index("-r") + 1]
                target = (argv[0], rid, argv[-1] if argv[0] == "relation-get" else "")
            elif argv[0] == "relation-ids":
                target = (argv[0], argv[-1])
            else:
                continue
            seen[target] += 1
        repeated = [t for t, n in seen.items() if n > 1]
        assert not repeated, f"{record.hook}: repeated hook-tool calls {repeated}"
        kind = record.hook.rsplit("-", 1)[-1]
        counts = record.tool_counts
        if kind != "changed":  # only -changed handlers read remote data
            assert counts["relation-get"] == 0, record.hook
        if kind != "joined":  # only -joined handlers write
            assert counts["relation-set"] == 0, record.hook
        relation = record.hook.split("-relation-")[0] if "-relation-" in record.hook else "-"
        maxima = TOOL_MAXIMA[(relation, kind)]
        for tool in ("relation-get", "relation-list", "relation-ids", "relation-set"):
            maxima[tool] = max(maxima[tool], counts[tool])

    def expected_conversations(self, unit: str) -> dict[str, list[str]]:
        expected: dict[str, set[str]] = defaultdict(set)
        for rid, units in self.members[unit].items():
            rel = rid.split(":")[0]
            scope = SCOPES_ALL[rel]
            for remote in units:
                if scope == "unit":
                    expected[f"{KEY}{rid}.{remote}"].add(remote)
                elif scope == "service":
                    expected[f"{KEY}{rid}.{remote.split('/')[0]}"].add(remote)
                else:
                    expected[f"{KEY}{rel}.{scope}"].add(remote)
        return {k: sorted(v) for k, v in expected.items() if v}

    def check_state(self, unit: str) -> None:
        stored = self.model.unit_kv(unit, KEY)
        convs = {k: sorted(v["units"]) for k, v in stored.items() if ".local-data." not in k}
        assert convs == self.expected_conversations(unit), unit
        for key in stored:
            if ".local-data." in key:
                assert key.split(".local-data.")[0] in convs, f"orphan local data {key}"
        values = self.model.unit_kv(unit, "reactive.states.")
        for rel in SCOPES_ALL:
            keys = sorted(k for k in convs if k[len(KEY) :].split(".")[0].split(":")[0] == rel)
            flag = values.get(f"reactive.states.{rel}.connected")
            if keys:
                assert flag is not None, f"{unit}: {rel}.connected unset"
                assert sorted(flag["conversations"]) == keys
                assert flag["relation"] == rel
            else:
                assert f"reactive.states.{rel}.connected" not in values, unit
                assert f"reactive.states.{rel}.available" not in values, unit
            available = values.get(f"reactive.states.{rel}.available")
            if available is not None:
                assert set(available["conversations"]) <= set(keys)
        for rid, units in self.members[unit].items():
            if units:
                number = int(rid.split(":")[1])
                data = self.model.relation_data(number, unit)  # Juju adds the addresses
                ours = {k: v for k, v in data.items() if not k.endswith(("address", "subnets"))}
                assert ours == {"hello": rid.split(":")[0], "greeted": "True"}, (unit, rid)


def drive(model: Model, oracle: Oracle) -> list[HookRecord]:
    """Run the queued hooks one at a time, checking the oracle after each."""
    ran = []
    while (unit := model.engine.next_unit()) is not None:
        record = model.engine.run_next(unit)
        oracle.observe(record)
        ran.append(record)
    return ran


def call(model: Model, unit: str, method: str, relation: str) -> object:
    """``relation_call`` in the unit's context (as ``juju exec``), outside any relation hook."""
    code = (
        f"import sys; sys.path.insert(0, {str(LIB)!r}); "
        "from charms.reactive.relations import relation_call; "
        f"print(repr(relation_call({method!r}, {relation!r})))"
    )
    record = model.exec(unit, [sys.executable, "-c", code], settle=False)
    assert record.exit_code == 0, record.stderr
    assert record.tool_counts["relation-set"] == 0
    return ast.literal_eval(record.stdout.strip())


@pytest.fixture
def model(tmp_path: Path) -> Iterator[Model]:
    """A model running hooks as Juju does: one process per hook."""
    with Model(tmp_path / "model") as m:
        yield m


@pytest.fixture
def fast_model(tmp_path: Path) -> Iterator[Model]:
    """A model running reactive hooks in this process (same tools, records and commits)."""
    with Model(tmp_path / "model", executor=InProcessExecutor()) as m:
        yield m


@pytest.fixture
def subject_charm(tmp_path: Path) -> Path:
    return build_subject(tmp_path)


@pytest.mark.parametrize("rel", list(SCOPES), ids=list(SCOPES.values()))
def test_scope_story(fast_model: Model, subject_charm: Path, rel: str) -> None:
    model = fast_model
    oracle = Oracle(model)
    scope = SCOPES[rel]
    model.deploy(subject_charm, "subject", settle=False)
    model.deploy(DATA / "relations_charm_remote", "alpha", num_units=2, settle=False)
    model.deploy(DATA / "relations_charm_remote", "beta", settle=False)
    drive(model, oracle)

    # Two applications on the relation, and alpha a second time on another endpoint.
    r1 = model.relate(f"subject:{rel}", f"alpha:{rel}", settle=False)
    r2 = model.relate(f"subject:{rel}", f"beta:{rel}", settle=False)
    r3 = model.relate(f"subject:{rel}", f"alpha:{rel}2", settle=False)
    drive(model, oracle)
    rid1, rid2, rid3 = (f"{rel}:{r.id}" for r in (r1, r2, r3))
    model.add_unit("alpha", settle=False)  # alpha/2 joins rid1 and rid3
    drive(model, oracle)
    assert oracle.members["subject/0"] == {
        rid1: {"alpha/0", "alpha/1", "alpha/2"},
        rid2: {"beta/0"},
        rid3: {"alpha/0", "alpha/1", "alpha/2"},
    }

    # Data changes: one unit of alpha on rid1 publishes the-value, then beta.
    model.set_relation_data(r1, "alpha/1", {"the-value": "a1"}, settle=False)
    drive(model, oracle)
    available = model.unit_kv("subject/0", "reactive.states.")[f"reactive.states.{rel}.available"]
    expected_key = {
        "unit": f"{KEY}{rid1}.alpha/1",
        "service": f"{KEY}{rid1}.alpha",
        "global": f"{KEY}{rel}.global",
        "pool": f"{KEY}{rel}.pool",
    }[scope]
    assert available == {"relation": rel, "conversations": [expected_key]}
    model.set_relation_data(r2, "beta/0", {"the-value": "b0"}, settle=False)
    drive(model, oracle)
    values = dict(call(model, "subject/0", "values", rel))
    if scope in ("unit", "service"):
        assert values[f"{KEY}{rid2}.beta{'/0' if scope == 'unit' else ''}"] == "b0"
        assert values[expected_key] == "a1"
        assert sum(v is not None for v in values.values()) == 2
    else:  # one conversation: the first value in relation id, then relation-list, order
        assert values == {expected_key: "a1"}

    # A value deleted: the relation flag follows on the next -changed.
    model.set_relation_data(r1, "alpha/1", {"the-value": ""}, settle=False)
    drive(model, oracle)
    available = model.unit_kv("subject/0", "reactive.states.")[f"reactive.states.{rel}.available"]
    if scope in ("unit", "service"):  # only beta's conversation is left in the flag
        assert expected_key not in available["conversations"]
    else:  # the one conversation now finds beta's value
        assert dict(call(model, "subject/0", "values", rel)) == {expected_key: "b0"}

    # Departures: alpha/1 leaves both relation ids; then rid3 and rid2 are removed.
    model.remove_unit("alpha/1", settle=False)
    drive(model, oracle)
    model.unrelate(r3, settle=False)
    drive(model, oracle)
    model.unrelate(r2, settle=False)
    drive(model, oracle)
    assert oracle.members["subject/0"] == {rid1: {"alpha/0", "alpha/2"}}
    assert sorted(call(model, "subject/0", "conversations", rel)) == sorted(
        {
            "unit": ["alpha/0", "alpha/2"],
            "service": ["alpha"],
            "global": ["global"],
            "pool": ["pool"],
        }[scope]
    )

    # The last relation broken: nothing of the relation is left.
    model.unrelate(r1, settle=False)
    drive(model, oracle)
    assert model.unit_kv("subject/0", KEY) == {}
    assert not {f for f in model.unit_flags("subject/0") if f.startswith(f"{rel}.")}
    assert oracle.hooks > 20


def test_peers_several_units_and_departures(fast_model: Model, subject_charm: Path) -> None:
    model = fast_model
    oracle = Oracle(model)
    model.deploy(subject_charm, "subject", num_units=3, settle=False)
    drive(model, oracle)
    for unit in ("subject/0", "subject/1", "subject/2"):
        others = {u for u in ("subject/0", "subject/1", "subject/2") if u != unit}
        assert set(oracle.expected_conversations(unit)) == {f"{KEY}ring:0.{u}" for u in others}
    model.remove_unit("subject/1", settle=False)
    drive(model, oracle)
    assert set(model.unit_kv("subject/0", KEY)) == {
        f"{KEY}ring:0.subject/2",
        f"{KEY}ring:0.subject/2.local-data.joined",
    }
    # The departing unit itself departed every conversation.
    assert model.unit_kv("subject/1", KEY) == {}
    assert "ring.connected" not in model.unit_flags("subject/1")


def test_a_failed_hook_sends_nothing_and_stores_nothing(model: Model, subject_charm: Path) -> None:
    """Run as Juju runs hooks (one process each): the real buffering and exit code."""
    model.deploy(subject_charm, "subject")
    model.deploy(DATA / "relations_charm_remote", "alpha")
    (model.unit("subject/0").charm_dir / "FAIL").write_text("")
    model.fail_fast = False
    model.engine.fail_fast = False
    rel = model.relate("subject:globrel", "alpha:globrel")
    failed = model.unit("subject/0").error
    assert failed is not None
    assert failed.hook == "globrel-relation-joined"
    assert failed.tool_counts["relation-set"] == 0
    assert "hello" not in model.relation_data(rel, "subject/0")
    assert model.unit_kv("subject/0", KEY) == {}
    assert "globrel.connected" not in model.unit_flags("subject/0")
    (model.unit("subject/0").charm_dir / "FAIL").unlink()
    model.retry("subject/0")
    data = model.relation_data(rel, "subject/0")
    assert (data["hello"], data["greeted"]) == ("globrel", "True")
    assert model.unit_kv("subject/0", KEY)[f"{KEY}globrel.global"]["units"] == ["alpha/0"]


def test_update_status_reads_no_remote_data(fast_model: Model, subject_charm: Path) -> None:
    model = fast_model
    model.deploy(subject_charm, "subject")
    model.deploy(DATA / "relations_charm_remote", "alpha", num_units=2)
    for rel in SCOPES:
        model.relate(f"subject:{rel}", f"alpha:{rel}")
    records = model.update_status("subject")
    (record,) = [r for r in records if r.unit == "subject/0"]
    assert record.exit_code == 0, record.stderr
    assert {tool: n for tool, n in record.tool_counts.items() if tool.startswith("relation")} == {}


def cli(model: Model, unit: str, *args: str, relation: int | None = None) -> HookRecord:
    """Run ``charms.reactive ARGS`` in the unit's context (as a bash handler would)."""
    code = (
        f"import sys; sys.path.insert(0, {str(LIB)!r}); "
        "from charms.reactive.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    remote = None if relation is None else "alpha/0"
    command = [sys.executable, "-c", code, *args]
    return model.exec(unit, command, relation=relation, remote_unit=remote, settle=False)


def test_relation_call_command_line(fast_model: Model, subject_charm: Path) -> None:
    model = fast_model
    model.deploy(subject_charm, "subject")
    model.deploy(DATA / "relations_charm_remote", "alpha", num_units=2)
    unitrel = model.relate("subject:unitrel", "alpha:unitrel")
    model.relate("subject:globrel", "alpha:globrel")
    model.set_relation_data(unitrel, "alpha/1", {"the-value": "v1"})
    before = model.unit_kv("subject/0")

    record = cli(
        model, "subject/0", "relation_call", "--relation_name", "unitrel", "conversations"
    )
    assert (record.exit_code, record.stdout) == (0, "alpha/0\nalpha/1")  # no trailing newline
    record = cli(model, "subject/0", "--format", "json", "relation_call", "--flag",
                 "unitrel.available", "conversations")  # fmt: skip
    assert json.loads(record.stdout) == ["alpha/1"]
    record = cli(model, "subject/0", "-j", "relation_call", "--state", "globrel.connected",
                 "get_remote", "the-value", "none")  # fmt: skip
    assert json.loads(record.stdout) == "none"
    record = cli(model, "subject/0", "relation_call", "--relation_name", "unitrel", "values")
    assert record.stdout.splitlines() == [
        f"['{KEY}unitrel:{unitrel.id}.alpha/0', None]",
        f"['{KEY}unitrel:{unitrel.id}.alpha/1', 'v1']",
    ]
    # In a relation context (juju exec --relation), the instance is the hook's.
    record = cli(model, "subject/0", "-j", "relation_call", "--relation_name", "unitrel",
                 "conversations", relation=unitrel.id)  # fmt: skip
    assert json.loads(record.stdout) == ["alpha/0"]

    record = cli(model, "subject/0", "relation_call", "--relation_name", "nope", "conversations")
    assert record.exit_code == 2
    assert "Relation not found: nope" in record.stderr
    record = cli(model, "subject/0", "relation_call", "conversations")
    assert record.exit_code == 2
    assert "Must specify either relation_name or flag" in record.stderr
    assert model.unit_kv("subject/0") == before  # nothing stored by any of these


@pytest.mark.parametrize("version", ["3.3.0", "3.6.0"])
def test_broken_with_and_without_the_broken_id_in_relation_ids(
    tmp_path: Path, subject_charm: Path, version: str
) -> None:
    """Before Juju 3.4, relation-ids still lists the relation being broken; since, it does not."""
    with Model(tmp_path / "m", juju_version=version, executor=InProcessExecutor()) as model:
        oracle = Oracle(model)
        model.deploy(subject_charm, "subject", settle=False)
        model.deploy(DATA / "relations_charm_remote", "alpha", num_units=2, settle=False)
        drive(model, oracle)
        r1 = model.relate("subject:globrel", "alpha:globrel", settle=False)
        r2 = model.relate("subject:globrel", "alpha:globrel2", settle=False)
        drive(model, oracle)
        model.unrelate(r2, settle=False)
        records = drive(model, oracle)
        (broken,) = [r for r in records if r.hook == "globrel-relation-broken"]
        ids = [c.stdout for c in broken.tool_calls if c.tool == "relation-ids"]
        assert ids  # the relation-wide conversation asked which ids remain
        assert (f"globrel:{r2.id}" in ids[0]) == (version == "3.3.0")
        assert model.relation_data(r1, "subject/0")["hello"] == "globrel"
        units = model.unit_kv("subject/0", KEY)[f"{KEY}globrel.global"]["units"]
        assert units == ["alpha/0", "alpha/1"]  # still on r1
