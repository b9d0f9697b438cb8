"""The Juju seam: HookContext from the environment, and the subprocess hook tools."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from charms.reactive.errors import HookContextError, HookToolError
from charms.reactive.juju import HookContext, SubprocessHookTools, ToolResult


def test_context_reads_relation_hook_environment(tmp_path):
    ctx = HookContext.from_environ(
        {
            "JUJU_UNIT_NAME": "web/1",
            "JUJU_CHARM_DIR": str(tmp_path),
            "JUJU_HOOK_NAME": "db-relation-departed",
            "JUJU_RELATION": "db",
            "JUJU_RELATION_ID": "db:3",
            "JUJU_REMOTE_UNIT": "mysql/2",
            "JUJU_DEPARTING_UNIT": "mysql/2",
            "JUJU_MODEL_NAME": "m",
        }
    )
    assert ctx.unit_name == "web/1"
    assert ctx.app_name == "web"
    assert ctx.charm_dir == tmp_path
    assert ctx.require_relation() == ("db", "db:3")
    assert ctx.remote_app == "mysql"
    assert ctx.departing_unit == "mysql/2"
    assert ctx.is_departed_hook
    assert not ctx.is_broken_hook
    assert ctx.state_db_path == tmp_path / ".unit-state.db"


def test_context_treats_empty_variables_as_missing(tmp_path):
    ctx = HookContext.from_environ(
        {"JUJU_CHARM_DIR": str(tmp_path), "JUJU_REMOTE_UNIT": "", "JUJU_UNIT_NAME": ""},
        argv0="/charm/hooks/install",
    )
    assert ctx.remote_unit is None
    assert ctx.hook_name == "install"
    with pytest.raises(HookContextError, match="JUJU_UNIT_NAME"):
        ctx.require_unit()
    with pytest.raises(HookContextError, match="not a relation hook"):
        ctx.require_relation()


def test_context_prefers_unit_state_db_variable(tmp_path):
    ctx = HookContext.from_environ(
        {"JUJU_CHARM_DIR": str(tmp_path), "UNIT_STATE_DB": str(tmp_path / "x.db")}
    )
    assert ctx.state_db_path == tmp_path / "x.db"


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """Put recording fake hook tools on PATH; each prints $FAKE_<TOOL> and exits $RC_<TOOL>."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "calls.jsonl"
    script = (
        f"#!{os.sys.executable}\nimport json, os, sys\n"
        "name = os.path.basename(sys.argv[0])\n"
        "stdin = sys.stdin.read() if '-' in sys.argv[1:] and 'relation-set' == name else None\n"
        f"with open({str(record)!r}, 'a') as f:\n"
        "    f.write(json.dumps([name, sys.argv[1:], stdin]) + '\\n')\n"
        "key = name.upper().replace('-', '_')\n"
        "sys.stdout.write(os.environ.get('FAKE_' + key, ''))\n"
        "sys.stderr.write(os.environ.get('ERR_' + key, ''))\n"
        "sys.exit(int(os.environ.get('RC_' + key, '0')))\n"
    )
    for tool in (
        "relation-get",
        "relation-set",
        "relation-ids",
        "relation-list",
        "juju-log",
        "config-get",
        "is-leader",
    ):
        path = bindir / tool
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")

    def calls() -> list[list]:
        if not record.exists():
            return []
        return [json.loads(line) for line in record.read_text().splitlines()]

    return calls


def test_relation_get_fetches_whole_bag_as_json(fake_tools, monkeypatch):
    monkeypatch.setenv("FAKE_RELATION_GET", json.dumps({"host": "h", "port": "5432"}))
    bag = SubprocessHookTools().relation_get("db:1", "mysql/0")
    assert bag == {"host": "h", "port": "5432"}
    assert fake_tools() == [
        ["relation-get", ["--format=json", "-r", "db:1", "-", "mysql/0"], None]
    ]


def test_relation_get_app_uses_app_flag(fake_tools, monkeypatch):
    monkeypatch.setenv("FAKE_RELATION_GET", "{}")
    assert SubprocessHookTools().relation_get_app("db:1", "mysql") == {}
    assert fake_tools()[0][1] == ["--format=json", "-r", "db:1", "--app", "-", "mysql"]


def test_relation_set_sends_one_json_file_on_stdin(fake_tools):
    SubprocessHookTools().relation_set("db:1", {"a": "1", "b": ""}, app=True)
    name, args, stdin = fake_tools()[0]
    assert (name, args) == ("relation-set", ["-r", "db:1", "--app", "--file", "-"])
    assert json.loads(stdin) == {"a": "1", "b": ""}


def test_list_tools_parse_json(fake_tools, monkeypatch):
    monkeypatch.setenv("FAKE_RELATION_IDS", '["db:1", "db:4"]')
    monkeypatch.setenv("FAKE_RELATION_LIST", '["mysql/0"]')
    monkeypatch.setenv("FAKE_IS_LEADER", "true")
    monkeypatch.setenv("FAKE_CONFIG_GET", '{"port": 80}')
    tools = SubprocessHookTools()
    assert tools.relation_ids("db") == ["db:1", "db:4"]
    assert tools.relation_list("db:1") == ["mysql/0"]
    assert tools.is_leader() is True
    assert tools.config_get() == {"port": 80}


def test_juju_log_guards_messages_that_look_like_flags(fake_tools):
    tools = SubprocessHookTools()
    tools.juju_log("hello", "DEBUG")
    tools.juju_log("-l oops")
    assert [c[1] for c in fake_tools()] == [
        ["-l", "DEBUG", "hello"],
        ["-l", "INFO", "--", "-l oops"],
    ]


def test_failing_tool_raises_hook_tool_error_with_command_and_stderr(fake_tools, monkeypatch):
    monkeypatch.setenv("RC_RELATION_LIST", "2")
    monkeypatch.setenv("ERR_RELATION_LIST", 'ERROR invalid value "db:9" for option -r')
    with pytest.raises(HookToolError) as info:
        SubprocessHookTools().relation_list("db:9")
    err = info.value
    assert err.returncode == 2
    assert err.cmd == ["relation-list", "--format=json", "-r", "db:9"]
    assert "db:9" in str(err)
    assert "invalid value" in err.stderr


def test_garbage_output_raises_hook_tool_error(fake_tools, monkeypatch):
    monkeypatch.setenv("FAKE_RELATION_GET", "<html>")
    with pytest.raises(HookToolError, match="not JSON"):
        SubprocessHookTools().relation_get("db:1", "mysql/0")


def test_non_mapping_bag_raises_hook_tool_error(fake_tools, monkeypatch):
    monkeypatch.setenv("FAKE_RELATION_GET", "[1, 2]")
    with pytest.raises(HookToolError, match="expected a mapping"):
        SubprocessHookTools().relation_get("db:1", "mysql/0")


def test_missing_tool_raises_hook_tool_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HookToolError) as info:
        SubprocessHookTools().relation_ids("db")
    assert info.value.returncode == -1
    assert "cannot run relation-ids" in str(info.value)


def test_relation_get_values_are_strings(fake_tools, monkeypatch):
    # Remote data is untrusted: never evaluated, always handed over as strings.
    monkeypatch.setenv("FAKE_RELATION_GET", json.dumps({"n": "__import__('os')", "x": "1"}))
    assert SubprocessHookTools().relation_get("db:1", "u/0") == {"n": "__import__('os')", "x": "1"}


def test_fixture_scripts_are_executable(fake_tools, tmp_path):
    assert all(p.stat().st_mode & stat.S_IXUSR for p in Path(tmp_path / "bin").iterdir())


def test_an_injected_runner_gets_each_command_and_the_tools_parse_its_output():
    calls = []

    def runner(argv, stdin):
        calls.append((list(argv), stdin))
        if argv[0] == "relation-list":
            return ToolResult(2, "", 'ERROR invalid value "db:9" for option -r\n')
        if argv[0] == "relation-set":
            return ToolResult(0, "", "")
        return ToolResult(0, '{"host": "h", "port": 5432}\n', "")

    tools = SubprocessHookTools(runner)

    assert tools.relation_get("db:1", "mysql/0") == {"host": "h", "port": "5432"}
    tools.relation_set("db:1", {"a": "1"})
    with pytest.raises(HookToolError) as err:
        tools.relation_list("db:9")

    assert calls == [
        (["relation-get", "--format=json", "-r", "db:1", "-", "mysql/0"], None),
        (["relation-set", "-r", "db:1", "--file", "-"], '{"a": "1"}'),
        (["relation-list", "--format=json", "-r", "db:9"], None),
    ]
    assert err.value.returncode == 2
    assert "db:9" in str(err.value)


def test_bad_json_from_an_injected_runner_is_a_hook_tool_error():
    tools = SubprocessHookTools(lambda argv, stdin: ToolResult(0, "not json", ""))

    with pytest.raises(HookToolError, match="output is not JSON"):
        tools.relation_ids("db")
