"""The non-relation hook tools: flags, outputs and error texts as Juju's (jujuc/*.go)."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.harness import run


def test_config_get_formats(pair):
    assert run(pair, "a/0", "config-get port") == (0, "80\n", "")
    assert run(pair, "a/0", "config-get debug") == (0, "False\n", "")
    assert run(pair, "a/0", "config-get debug --format=json") == (0, "false\n", "")
    assert run(pair, "a/0", "config-get name") == (0, "", "")
    assert run(pair, "a/0", "config-get name --format=json") == (0, "null\n", "")
    assert json.loads(run(pair, "a/0", "config-get --format=json")[1]) == {
        "port": 80,
        "ratio": 0.5,
        "debug": False,
    }
    assert json.loads(run(pair, "a/0", "config-get --all --format=json")[1])["name"] is None
    assert yaml.safe_load(run(pair, "a/0", "config-get")[1])["port"] == 80


def test_config_get_all_with_key_is_an_error(pair):
    assert run(pair, "a/0", "config-get --all port") == (
        2,
        "",
        'ERROR cannot use argument --all together with key "port"\n',
    )


def test_config_values_follow_set_config(pair):
    pair.set_config("a", {"name": "x y", "ratio": 2})
    assert run(pair, "a/1", "config-get name") == (0, "x y\n", "")
    assert run(pair, "a/1", "config-get ratio --format=json") == (0, "2.0\n", "")


def test_is_leader(pair):
    assert run(pair, "a/0", "is-leader") == (0, "True\n", "")
    assert run(pair, "a/1", "is-leader") == (0, "False\n", "")
    assert run(pair, "a/1", "is-leader --format=yaml") == (0, "false\n", "")


def test_leader_set_needs_leadership(pair):
    assert run(pair, "a/1", "leader-set k=v") == (
        1,
        "",
        "ERROR cannot write leadership settings: cannot write settings: not the leader\n",
    )
    assert run(pair, "a/0", "leader-set k=v j=w") == (0, "", "")
    assert run(pair, "a/1", "leader-get --format=json") == (0, '{"j":"w","k":"v"}\n', "")
    assert run(pair, "a/1", "leader-get j") == (0, "w\n", "")


def test_leader_set_takes_effect_even_if_the_hook_fails(pair):
    assert run(pair, "a/0", "leader-set k=v; exit 1")[0] == 1
    assert pair.app("a").leader_settings == {"k": "v"}


def test_status_set_and_get(pair):
    assert run(pair, "a/1", "status-set blocked 'need db'") == (0, "", "")
    assert pair.unit("a/1").status.message == "need db"
    assert run(pair, "a/1", "status-get") == (0, "blocked\n", "")
    out = json.loads(run(pair, "a/1", "status-get --include-data --format=json")[1])
    assert out == {"message": "need db", "status": "blocked", "status-data": {}}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ("", 2, "invalid args, require <status> [message] [data]"),
        (
            "happy",
            2,
            'invalid status "happy", expected one of [maintenance blocked waiting active]',
        ),
        ("active a b", 2, 'unrecognized args: ["b"]'),
        ("--application active", 1, "this unit is not the leader"),
    ],
    ids=["no-args", "bad-status", "extra", "app-non-leader"],
)
def test_status_set_errors(pair, args, code, message):
    assert run(pair, "a/1", f"status-set {args}") == (code, "", f"ERROR {message}\n")


def test_application_status_is_leader_only(pair):
    assert run(pair, "a/0", "status-set --application active ready") == (0, "", "")
    assert pair.app("a").status.status == "active"
    assert run(pair, "a/1", "status-get --application") == (
        1,
        "",
        "ERROR finding application status: this unit is not the leader\n",
    )
    out = yaml.safe_load(run(pair, "a/0", "status-get --application --format=yaml")[1])
    assert set(out["application-status"]["units"]) == {"a/0", "a/1"}


def test_ports_are_staged_until_commit(pair):
    code, out, _ = run(pair, "a/0", "open-port 80 && open-port 1000-2000/udp && opened-ports")
    assert (code, out) == (0, "80/tcp\n1000-2000/udp\n")
    assert pair.unit("a/0").opened_ports == ["80/tcp", "1000-2000/udp"]
    run(pair, "a/0", "close-port 80/tcp; exit 1")
    assert pair.unit("a/0").opened_ports == ["80/tcp", "1000-2000/udp"]
    run(pair, "a/0", "close-port 80/TCP && open-port icmp")
    assert pair.unit("a/0").opened_ports == ["icmp", "1000-2000/udp"]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("", "no port or range specified"),
        ("http", 'expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got "http"'),
        ("0", 'port must be in the range [1, 65535]; got "0"'),
        ("20-10", "invalid port range 20-10/tcp; expected fromPort <= toPort"),
        ("80/sctp", 'protocol must be "tcp", "udp", or "icmp"; got "sctp"'),
    ],
    ids=["none", "word", "zero", "reversed", "protocol"],
)
def test_open_port_errors(pair, arg, message):
    assert run(pair, "a/0", f"open-port {arg}") == (2, "", f"ERROR {message}\n")


def test_juju_log_levels_and_relation_prefix(pair):
    run(pair, "a/0", "juju-log hello world && juju-log -l WARNING careful && juju-log --debug dbg")
    run(pair, "a/0", "juju-log -l bogus odd && juju-log -- -starts-with-dash")
    run(pair, "a/0", "juju-log in relation", relation=1, remote_unit="b/0")
    log = [(line.level, line.message) for line in pair.unit("a/0").log]
    assert log == [
        ("INFO", "hello world"),
        ("WARNING", "careful"),
        ("DEBUG", "dbg"),
        ("WARNING", 'Specified log level of "bogus" is not valid'),
        ("INFO", "odd"),
        ("INFO", "-starts-with-dash"),
        ("INFO", "x:1: in relation"),
    ]
    assert run(pair, "a/0", "juju-log") == (2, "", "ERROR no message specified\n")


def test_unit_get_and_network_get(pair):
    address = run(pair, "a/1", "unit-get private-address")[1].strip()
    assert address.startswith("10.")
    assert run(pair, "a/1", "unit-get public-address")[1].strip() == address
    assert run(pair, "a/1", "unit-get foo") == (2, "", 'ERROR unknown setting "foo"\n')
    assert run(pair, "a/1", "network-get x --ingress-address") == (0, address + "\n", "")
    info = yaml.safe_load(run(pair, "a/1", "network-get p")[1])
    assert info["ingress-addresses"] == [address]
    assert info["bind-addresses"][0]["addresses"][0]["value"] == address
    assert run(pair, "a/1", "network-get nope") == (
        1,
        "",
        'ERROR no network config found for binding "nope"\n',
    )


def test_application_version_set(pair):
    assert run(pair, "b/0", "application-version-set 2.1") == (0, "", "")
    assert pair.unit("b/0").workload_version == "2.1"
    assert run(pair, "b/0", "application-version-set") == (2, "", "ERROR no version specified\n")


@pytest.mark.parametrize("tool", ["action-get", "action-set k=v", "action-fail", "action-log m"])
def test_action_tools_outside_actions_fail(pair, tool):
    assert run(pair, "a/0", tool) == (1, "", "ERROR not running an action\n")


def test_leader_tools_are_gone_in_juju_4(tmp_path, make_charm):
    from reactive_harness import Model

    with Model(tmp_path / "m", juju_version="4.0.0") as model:
        model.deploy(make_charm("a", provides={"x": "i"}))
        model.deploy(make_charm("b", requires={"x": "i"}))
        model.relate("a", "b")
        code, _, err = run(model, "a/0", "leader-set k=v")
        assert code == 127
        assert "leader-set: command not found" in err
        assert "private-address" not in model.relation_data(0, "a/0")


def test_help_flag_exits_0(pair):
    code, out, _ = run(pair, "a/0", "relation-get --help")
    assert code == 0
    assert out.startswith("Usage: relation-get")


def test_tool_calls_are_recorded_with_argv_exit_code_and_counts(pair):
    record = pair.exec(
        "a/0", "is-leader; config-get port; config-get nope --format=json; relation-ids"
    )
    assert [(c.argv, c.exit_code) for c in record.tool_calls] == [
        (("is-leader",), 0),
        (("config-get", "port"), 0),
        (("config-get", "nope", "--format=json"), 0),
        (("relation-ids",), 2),
    ]
    assert record.tool_counts == {"is-leader": 1, "config-get": 2, "relation-ids": 1}
    assert all(c.duration >= 0 for c in record.tool_calls)
