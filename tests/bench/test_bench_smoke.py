"""Smoke test of the benchmark machinery (bench/): this layer only, N=1, no timings."""

import sys
from pathlib import Path

from bench.assemble import assemble_ours, hook_names
from bench.scenario import Scenario, measure_noop

DEV_BIN = str(Path(sys.executable).parent)  # its python3 has charmhelpers and PyYAML


def test_bench_scenario_tool_counts_at_n1(tmp_path):
    charm = assemble_ours(tmp_path / "charm")
    assert "db-relation-changed" in hook_names(charm)
    scenario = Scenario(tmp_path / "model", charm, 1, path_prefix=DEV_BIN, fast_setup=True)
    try:
        changed = scenario.measure_changed()
        status = scenario.measure_update_status()
        departed = scenario.measure_departed()
    finally:
        scenario.close()
    assert changed.tools["relation-get"] == 1
    assert changed.tools["relation-list"] == 1
    assert changed.tools["relation-set"] == 1
    assert "relation-get" not in status.tools
    assert departed.seconds > 0
    assert changed.peak_kib is not None
    assert changed.db_bytes > 0


def test_bench_noop_hook_runs(tmp_path):
    series = measure_noop(tmp_path / "noop", assemble_ours(tmp_path / "charm"), 1, DEV_BIN)
    summary = series.summary()
    assert summary["runs"] == 1
    assert "relation-get" not in summary["tools"]
