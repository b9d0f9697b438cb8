"""Smoke test of the benchmark machinery (bench/): this layer only, N=1, no timings."""

import hashlib
import json
import sys
from pathlib import Path

import pytest

from bench.assemble import APIS, assemble_ours, hook_names
from bench.scenario import Scenario, measure_noop, measure_scale_out, repeated_calls
from bench.targets import MAX_LOG_LINES
from reactive_harness import ToolCall

DEV_BIN = str(Path(sys.executable).parent)  # its python3 has charmhelpers and PyYAML
KEYS = ("key-0", "key-1", "key-2", "key-3", "key-4")


def test_bench_scenario_tool_counts_at_n1(tmp_path: Path) -> None:
    charm = assemble_ours(tmp_path / "charm")
    assert "db-relation-changed" in hook_names(charm)
    scenario = Scenario(tmp_path / "model", charm, 1, path_prefix=DEV_BIN, fast_setup=True)
    try:
        changed = scenario.measure_changed()
        status = scenario.measure_update_status()
        departed = scenario.measure_departed()
    finally:
        scenario.close()
    # The notified view (#15): only the bag Juju said changed is read; the membership and
    # the other bags come from the store; update-status asks nothing though a level-triggered
    # handler reads every unit.
    relation_tools = {k: v for k, v in changed.tools.items() if k != "juju-log"}
    assert relation_tools == {"relation-get": 1, "relation-set": 1}
    assert changed.repeats == {}
    assert not [tool for tool in status.tools if tool.startswith("relation-")], status.tools
    assert status.tools.get("juju-log", 0) <= MAX_LOG_LINES  # the handler's report
    assert departed.seconds > 0
    assert changed.peak_kib is not None
    assert changed.db_bytes > 0


def test_bench_endpoint_scenario_reads_and_answers_at_n1(tmp_path: Path) -> None:
    charm = assemble_ours(tmp_path / "charm", "endpoint")
    assert (charm / "hooks" / "relations" / "benchdb" / "requires.py").is_file()
    assert (charm / "lib" / "benchpeak.py").is_file()
    scenario = Scenario(tmp_path / "model", charm, 1, path_prefix=DEV_BIN, fast_setup=True)
    try:
        changed = scenario.measure_changed()
        remote = scenario.model.app("server").units[0].name
        published = scenario.model.relation_data(scenario.relation, "client/0")
        received = scenario.model.relation_data(scenario.relation, remote)
        status = scenario.measure_update_status()
        departed = scenario.measure_departed()
    finally:
        scenario.close()
    # The handler read the 5 keys the server unit holds (key-4 is this repetition's, 1) and
    # answered with their digest, a JSON string through to_publish.
    assert received["key-4"] == "1"
    digest = hashlib.sha256("".join(received[k] for k in KEYS).encode()).hexdigest()[:16]
    assert json.loads(published["answer"]) == digest
    relation_tools = {k: v for k, v in changed.tools.items() if k != "juju-log"}
    assert relation_tools == {"relation-get": 1, "relation-set": 1}
    assert changed.tools.get("juju-log", 0) <= MAX_LOG_LINES
    assert changed.repeats == {}
    assert not [tool for tool in status.tools if tool.startswith("relation-")], status.tools
    assert status.tools.get("juju-log", 0) <= MAX_LOG_LINES  # the handler's report
    # The departing unit's bag (kept in all_departed_units) is its bag as last notified:
    # no call; nothing is written.
    assert "relation-get" not in departed.tools
    assert "relation-set" not in departed.tools
    assert departed.repeats == {}
    assert changed.peak_kib is not None
    assert changed.db_bytes > 0


@pytest.mark.parametrize("api", APIS)
def test_bench_noop_hook_runs(tmp_path: Path, api: str) -> None:
    series = measure_noop(tmp_path / "noop", assemble_ours(tmp_path / "charm", api), 1, DEV_BIN)
    summary = series.summary()
    assert summary["runs"] == 1
    assert "relation-get" not in summary["tools"]


def test_repeated_calls_counts_reads_per_bag_and_writes_per_relation() -> None:
    def call(*argv: str) -> ToolCall:
        return ToolCall(argv, 0, 0.0)

    calls = [
        call("relation-get", "--format=json", "-r", "db:0", "key-0", "server/0"),
        call("relation-get", "--format=json", "-r", "db:0", "key-1", "server/0"),
        call("relation-get", "--format=json", "-r", "db:0", "-", "server/1"),
        call("relation-get", "--format=json", "--app", "-r", "db:0", "-", "server"),
        call("relation-set", "--help"),
        call("relation-set", "-r", "db:0", "--file", "-"),
        call("relation-set", "-r", "0", "answer=x"),
        call("relation-set", "-r", "db:1", "answer=x"),
    ]
    assert repeated_calls(calls) == {"relation-get": 1, "relation-set": 1}


@pytest.mark.parametrize("api", APIS)
def test_bench_scale_out_counts_every_client_hook(tmp_path: Path, api: str) -> None:
    charm = assemble_ours(tmp_path / "charm", api)
    found = measure_scale_out(tmp_path / "model", charm, 4, path_prefix=DEV_BIN, in_process=True)
    # Each of the 4 units: -joined and -changed on the client (relation-created once).
    assert found["hooks"] >= 8
    assert found["tool_calls"] == sum(found["tools"].values())
    assert found["tool_calls"] / found["hooks"] <= 6  # O(1) a hook: no read per remote unit
