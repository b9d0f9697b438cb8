"""The charms.reactive command line: verbs, exit codes and output formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from charms.reactive import _conditions, cli, get_flags, helpers, set_flag
from charms.reactive.trace import HookTrace, save_trace

LIB = str(Path(__file__).resolve().parents[2] / "lib")


def run(*argv):
    return cli.main(list(argv))


def test_flag_verbs_change_flags(rt):
    assert run("set_flag", "a") == 0
    assert run("set_flag", "b", "--value", "3") == 0
    assert run("set_state", "c") == 0
    assert run("remove_state", "c") == 0
    assert run("clear_flag", "zzz") == 0

    assert get_flags() == ["a", "b"]
    assert rt.kv.get("reactive.states.b") == "3"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("False", False),
        ("false", False),
        ("0", False),
        ("no", False),
        ("True", True),
        ("yes", True),
        ("1", True),
    ],
    ids=lambda v: str(v),
)
def test_toggle_flag_parses_booleans(rt, word, expected):
    set_flag("x")
    run("toggle_flag", "x", "true")

    assert run("toggle_flag", "x", word) == 0
    assert ("x" in get_flags()) is expected


def test_toggle_flag_rejects_non_booleans(rt, capsys):
    assert run("toggle_flag", "x", "maybe") == 2
    assert "not a boolean: 'maybe'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("is_flag_set", "a"), 0),
        (("is_flag_set", "nope"), 1),
        (("all_flags_set", "a", "b"), 0),
        (("all_flags_set", "a", "nope"), 1),
        (("any_flags_set", "nope", "b"), 0),
        (("any_flags_set", "nope"), 1),
        (("is_state", "a"), 0),
        (("all_states", "a", "nope"), 1),
        (("any_states", "a", "nope"), 0),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_predicates_answer_with_the_exit_code(rt, capsys, argv, code):
    set_flag("a")
    set_flag("b")

    assert run(*argv) == code
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (("get_flags",), "a\nb"),
        (("--format", "json", "get_flags"), '["a", "b"]'),
        (("-j", "get_flags"), '["a", "b"]'),
        (("get_unset_flags", "c", "a", "d"), "c\nd"),
        (("get_states",), "{'a': None, 'b': '2'}"),
        (("--json", "get_states"), '{"a": null, "b": "2"}'),
        (("-y", "get_flags"), "- a\n- b\n"),
        (("-c", "get_states"), "a,\nb,2\n"),
    ],
    ids=["raw", "json", "j", "unset", "states-raw", "states-json", "yaml", "csv"],
)
def test_queries_print_without_a_trailing_newline_in_raw(rt, capsys, argv, out):
    set_flag("a")
    set_flag("b", "2")

    assert run(*argv) == 0
    assert capsys.readouterr().out == out


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (("get_flags", "--format", "json"), '["a", "b"]'),
        (("get_flags", "-j"), '["a", "b"]'),
        (("get_states", "--json"), '{"a": null, "b": "2"}'),
        (("get_unset_flags", "c", "a", "-y"), "- c\n"),
        (("-y", "get_flags", "--format", "json"), '["a", "b"]'),
        (("--json", "get_flags", "-r"), "a\nb"),
        (("-j", "get_flags"), '["a", "b"]'),
    ],
    ids=["format", "j", "json", "after-args", "after-wins", "raw-after-wins", "before-kept"],
)
def test_output_options_work_after_the_subcommand(rt, capsys, argv, out):
    set_flag("a")
    set_flag("b", "2")

    assert run(*argv) == 0
    assert capsys.readouterr().out == out


def test_two_output_options_after_the_subcommand_are_a_usage_error(rt, capsys):
    assert run("get_flags", "-j", "-y") == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_get_flags_prints_nothing_when_no_flag_is_set(rt, capsys):
    assert run("get_flags") == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("phase", "argv", "code"),
    [
        ("other", ("when", "a"), 0),
        ("other", ("when_not", "a"), 1),
        ("other", ("when_any", "nope", "a"), 0),
        ("other", ("when_none", "nope"), 0),
        ("other", ("when_not_all", "a", "nope"), 0),
        ("hooks", ("when", "a"), 1),
        ("hooks", ("hook", "update-status"), 0),
        ("other", ("hook", "update-status"), 1),
        ("other", ("any_hook", "update-{status,x}"), 0),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_handler_tests_respect_the_persisted_phase(rt, phase, argv, code):
    set_flag("a")
    rt.kv.set(_conditions.PHASE_KEY, phase)

    assert run(*argv) == code


def test_only_once_and_mark_invoked(rt):
    assert run("only_once", "x:1:f") == 0
    assert run("mark_invoked", "x:1:f", "y:2:g") == 0

    assert run("only_once", "x:1:f") == 1
    assert helpers.was_invoked("y:2:g")


def test_when_file_changed_records_the_hash(rt, tmp_path):
    target = tmp_path / "f"
    target.write_text("1")

    assert run("when_file_changed", str(target)) == 0
    assert run("when_file_changed", str(target)) == 1


def test_register_trigger_stores_flag_actions(rt):
    assert run("register_trigger", "--when", "a", "--set_flag", "b") == 0
    set_flag("a")

    assert get_flags() == ["a", "b"]


def test_register_trigger_refuses_callbacks(rt, capsys):
    assert run("register_trigger", "--when", "a", "--callback", "x") == 2
    assert "--callback cannot be used" in capsys.readouterr().err


def test_test_prints_the_handlers_whose_tests_pass(rt, capsys):
    set_flag("a")
    rt.kv.set(_conditions.PHASE_KEY, "other")

    code = run(
        "test",
        "first first_id when 'a' when_not 'b'",
        "second second_id when 'a b'",
        "third third_id only_once ''",
    )

    assert code == 0
    assert capsys.readouterr().out == "first,third"


def test_test_after_iteration_zero_needs_a_changed_flag(rt, capsys):
    set_flag("a")
    set_flag("b")
    rt.kv.set(_conditions.PHASE_KEY, "other")
    rt.kv.set("reactive.state_watch", {"iteration": 1, "changes": ["b"], "pending": []})

    run("test", "on_a id1 when a", "on_b id2 when b", "always id3 only_once ''")

    assert capsys.readouterr().out == "on_b,always"


def test_test_rejects_unknown_tests(rt, capsys):
    assert run("test", "x id when_maybe a") == 2
    assert "unknown test 'when_maybe'" in capsys.readouterr().err


def test_trace_prints_the_last_hook(rt, capsys):
    trace = HookTrace("install", "local/0")
    trace.invoking("reactive/a.py:1:f")
    trace.finish("ok", None, ["x"])
    save_trace(rt, trace)

    assert run("trace") == 0
    assert capsys.readouterr().out.startswith("tracer: hook install: ok")
    assert run("--format", "json", "trace") == 0
    assert json.loads(capsys.readouterr().out)["invoked"] == ["reactive/a.py:1:f"]
    assert run("trace", "--format", "json") == 0  # as the README writes it
    assert json.loads(capsys.readouterr().out)["invoked"] == ["reactive/a.py:1:f"]


def test_trace_without_a_hook_yet_is_an_error(rt, capsys):
    assert run("trace") == 2
    assert "no trace recorded yet" in capsys.readouterr().err


def test_render_template_uses_the_environment(rt, write, monkeypatch, tmp_path):
    write("templates/t.j2", "hello {{ GREETING }}")
    monkeypatch.setenv("GREETING", "world")
    target = tmp_path / "out" / "t.txt"

    assert run("render_template", "t.j2", str(target)) == 0
    assert target.read_text() == "hello world"


def test_usage_errors_exit_2(rt, capsys):
    assert run("no_such_command") == 2
    assert run("set_flag") == 2
    assert run("get_flags", "--format", "xml") == 2
    assert run("get_flags", "--bogus") == 2


def test_relation_call_prints_the_result(hook_runtime, tools, write, capsys):
    write(
        "hooks/relations/mysql/requires.py",
        """
        from charms.reactive import RelationBase, scopes
        class MysqlRequires(RelationBase):
            scope = scopes.GLOBAL
            def echo(self, *args):
                return list(args)
            def nothing(self):
                return None
        """,
    )
    tools.ids = {"db": ["db:1"]}
    tools.units = {"db:1": ["mysql/0"]}
    hook_runtime("db-relation-joined", relation_id="db:1", remote_unit="mysql/0")

    assert run("relation_call", "--relation_name", "db", "echo", "x", "y") == 0
    assert capsys.readouterr().out == "x\ny"
    assert run("relation_call", "--relation_name", "db", "nothing") == 0
    assert capsys.readouterr().out == "None"
    assert run("--format", "json", "relation_call", "--relation_name", "db", "echo", "1") == 0
    assert capsys.readouterr().out == '["1"]'


def test_the_command_commits_in_its_own_process(tmp_path):
    env = {
        "UNIT_STATE_DB": str(tmp_path / "state.db"),
        "CHARM_DIR": str(tmp_path),
        "PYTHONPATH": LIB,
        "PATH": "/usr/bin:/bin",
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from charms.reactive.cli import main; sys.exit(main())",
    ]

    subprocess.run([*command, "set_flag", "x"], env=env, check=True)
    proc = subprocess.run([*command, "get_flags"], env=env, capture_output=True, text=True)

    assert (proc.returncode, proc.stdout) == (0, "x")
