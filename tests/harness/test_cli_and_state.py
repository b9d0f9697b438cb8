"""The scenario command line, unit state reads, shared venvs and the tool client."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from helpers.harness import PROVIDER
from reactive_harness import Model
from reactive_harness.__main__ import main
from reactive_harness.timeline import format_header

REPO = Path(__file__).resolve().parents[2]


def test_cli_runs_a_scenario_and_prints_a_timeline(tmp_path, make_charm, capsys):
    make_charm("b", requires={"website": "http"})
    scenario = tmp_path / "charms" / "scenario.yaml"
    scenario.write_text(
        f"""
steps:
  - deploy: {{charm: {PROVIDER}, name: web, units: 1, config: {{port: 81}}}}
  - deploy: ./b
  - relate: [web:website, b:website]
  - set-relation-data: {{relation: web b, owner: b/0, data: {{k: v}}}}
  - unrelate: web b
"""
    )
    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    header, legend, first_step = out.splitlines()[:3]
    assert header.split() == [
        "seq",
        "unit",
        "hook",
        "(remote",
        "unit)",
        "exit",
        "duration",
        "calls",
    ]
    assert "skip: no hook file" in legend
    assert "calls: hook-tool calls" in legend
    assert "unit@N = the bag of unit on relation id N" in legend
    assert out.count(legend) == 1
    assert first_step.startswith("== step 1: deploy")
    assert "web/0            install" in out
    assert "website-relation-joined (b/0)" in out
    assert "data:  web/0@1: hostname=" in out
    assert "website-relation-changed (b/0)" in out
    assert "b/0              start                                            skip" in out
    assert "0 failed" in out
    assert "web/0            active: serving on 81" in out


def test_the_readme_sample_output_opens_with_the_timeline_header():
    readme = (REPO / "README.md").read_text()
    sample = readme[readme.index("An excerpt (durations vary):") :].split("```")[1]

    assert sample.strip("\n").splitlines()[:2] == format_header()


def test_cli_columns_line_up_with_the_header(tmp_path, make_charm, capsys):
    make_charm("a", hooks={"install": "true"})
    scenario = tmp_path / "charms" / "s.yaml"
    scenario.write_text("steps:\n  - deploy: ./a\n")

    assert main(["run", str(scenario)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    install = next(line for line in lines if " install " in line)
    for column in ("unit", "hook", "exit"):
        at = header.index(column)
        assert install[at - 1] == " ", column
        assert install[at] != " ", column
    assert install.endswith("calls")
    assert header.endswith("calls")
    assert install.index(" ms") + 3 == header.index("duration") + len("duration")


def test_cli_prints_what_an_exec_step_wrote(tmp_path, make_charm, capsys):
    make_charm("a", hooks={"install": "true"})
    scenario = tmp_path / "charms" / "s.yaml"
    scenario.write_text(
        """
steps:
  - deploy: ./a
  - exec: {unit: a/0, command: "printf 'one\\ntwo\\n'; echo oops >&2"}
  - exec: {unit: a/0, command: "echo before failing; exit 3"}
  - exec: {unit: a/0, command: "true"}
"""
    )

    assert main(["run", str(scenario)]) == 1  # a failed command counts as a failed hook
    out = capsys.readouterr().out
    step2 = out[out.index("== step 2") : out.index("== step 3")].splitlines()
    assert "juju-exec" in step2[1]
    assert step2[2:] == [
        "       stdout: one",
        "               two",
        "       stderr: oops",
    ]
    step3 = out[out.index("== step 3") : out.index("== step 4")].splitlines()
    assert "FAIL 3" in step3[1]
    assert step3[2:] == ["       stdout: before failing", "       exit code: 3"]
    step4 = out[out.index("== step 4") :].splitlines()
    assert "juju-exec" in step4[1]
    assert step4[2].startswith("== ")  # nothing written, exit 0: the timeline line only


def test_cli_reports_failures_and_bad_scenarios(tmp_path, make_charm, capsys):
    make_charm("f", hooks={"install": "echo broken >&2; exit 2"})
    scenario = tmp_path / "charms" / "s.yaml"
    scenario.write_text("steps:\n  - deploy: ./f\n")
    assert main(["run", str(scenario)]) == 1
    out = capsys.readouterr().out
    assert "install" in out
    assert "FAIL 2" in out
    assert "! broken" in out
    scenario.write_text("steps:\n  - dance: now\n")
    assert main(["run", str(scenario)]) == 2
    assert "unknown step 'dance'" in capsys.readouterr().err
    scenario.write_text("steps:\n  - relate: [x:y, z:w]\n")
    assert main(["run", str(scenario)]) == 2
    assert "application 'x' not found" in capsys.readouterr().err


def test_cli_as_module(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"steps:\n  - deploy: {PROVIDER}\n  - update-status: null\n")
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_harness", "run", str(scenario)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "update-status" in proc.stdout


def test_unit_flags_and_kv_read_the_state_db(model, make_charm):
    hook = """#!/usr/bin/env python3
import json, os, sqlite3
db = sqlite3.connect(os.environ["UNIT_STATE_DB"])
db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, data TEXT)")
for k, v in [("reactive.states.app.ready", None), ("reactive.states.db.joined", {"r": 1}),
             ("my.key", [1, 2])]:
    db.execute("REPLACE INTO kv VALUES (?, ?)", (k, json.dumps(v)))
db.commit()
"""
    model.deploy(make_charm("a", hooks={"install": hook}))
    assert model.unit_flags("a/0") == {"app.ready", "db.joined"}
    assert model.unit("a/0").kv("my.") == {"my.key": [1, 2]}
    install = model.records[0]
    assert install.flags_before is None
    assert install.flags_after == frozenset({"app.ready", "db.joined"})


def test_unit_flags_of_a_unit_without_state_is_empty(model, make_charm):
    model.deploy(make_charm("a"))
    assert model.unit_flags("a/0") == set()
    assert model.unit_kv("a/0") == {}


def test_shared_venv_links_every_unit_to_one_cache_dir(tmp_path, make_charm):
    charm = make_charm("a")
    (charm / "wheelhouse").mkdir()
    (charm / "wheelhouse" / "x.whl").write_text("wheel")
    cache = tmp_path / "cache"
    with Model(tmp_path / "m", share_venv=True, cache_dir=cache) as model:
        model.deploy(charm, num_units=2)
        links = [model.unit(f"a/{n}").charm_dir.parent / ".venv" for n in (0, 1)]
        assert all(link.is_symlink() for link in links)
        assert links[0].resolve() == links[1].resolve()
        assert links[0].resolve().parent == cache.resolve()
        assert links[0].resolve().name.startswith("venv-")


def test_units_have_private_charm_copies(model, make_charm):
    model.deploy(make_charm("a", hooks={"install": "echo $JUJU_UNIT_NAME > mine"}), num_units=2)
    assert (model.unit("a/0").charm_dir / "mine").read_text() == "a/0\n"
    assert (model.unit("a/1").charm_dir / "mine").read_text() == "a/1\n"
    assert not (model.unit("a/0").charm_dir / ".venv").exists()


def test_tool_client_outside_a_hook_explains_itself(model):
    tool = model.root / "tools" / "relation-get"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUJU_")}
    proc = subprocess.run([str(tool)], capture_output=True, text=True, env=env, check=False)
    assert (proc.returncode, proc.stderr) == (2, "error: JUJU_CONTEXT_ID not set\n")


def test_tool_client_sends_stdin_only_for_file_dash(pair):
    record = pair.exec(
        "b/0", "echo 'k: v' | relation-set -r 1 --file=- && relation-get -r 1 k b/0 < /dev/zero"
    )
    assert record.stdout == "v\n"


def test_tool_client_imports_almost_nothing(pair):
    # Each hook-tool call starts a new client process: what keeps it cheap is that it runs
    # `python -SE` (no site, no environment) and imports only builtin modules. Checked by
    # what the interpreter loaded, not by timing (the cost is measured in bench/tool_cost.py).
    import reactive_harness.tools.jujuc as jujuc

    probe = (
        "import sys; before = set(sys.modules); "
        f"source = open({jujuc.__file__!r}).read(); "
        "exec(compile(source, 'jujuc', 'exec'), {'__name__': 'not_main'}); "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-SE", "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = set(ast.literal_eval(out.stdout.strip()))
    assert loaded <= {"_socket", "posix"}, loaded
    record = pair.exec("a/0", "for i in $(seq 3); do is-leader >/dev/null; done")
    assert [c.argv for c in record.tool_calls] == [("is-leader",)] * 3


def test_hook_without_executable_bit_fails(model, make_charm):
    charm = make_charm("a", hooks={"install": "true"})
    (charm / "hooks" / "install").chmod(0o644)
    model.fail_fast = False
    model.deploy(charm)
    assert model.unit("a/0").error.exit_code == 126


def test_dispatch_script_runs_every_hook(model, make_charm):
    charm = make_charm("a")
    script = charm / "dispatch"
    script.write_text('#!/bin/bash\necho "$JUJU_DISPATCH_PATH"\n')
    script.chmod(0o755)
    model.deploy(charm)
    assert [r.stdout for r in model.records][:2] == ["hooks/install\n", "hooks/leader-elected\n"]
