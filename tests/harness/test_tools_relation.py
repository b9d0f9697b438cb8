"""relation-get/-set/-ids/-list against documented Juju behaviour and error texts.

Texts come from juju/juju ``worker/uniter/runner/jujuc/relation-get_test.go`` and friends.
"""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.harness import run


def test_relation_ids_lists_ids_with_local_endpoint_prefix(pair):
    assert run(pair, "a/0", "relation-ids x") == (0, "x:1\n", "")
    assert run(pair, "b/2", "relation-ids x --format=json") == (0, '["x:1"]\n', "")
    assert run(pair, "a/0", "relation-ids p") == (0, "p:0\n", "")


def test_relation_ids_of_unknown_endpoint_is_empty(pair):
    assert run(pair, "a/0", "relation-ids nope --format=json") == (0, "[]\n", "")


def test_relation_ids_needs_a_name_outside_relation_hooks(pair):
    assert run(pair, "a/0", "relation-ids") == (2, "", "ERROR no relation name specified\n")


def test_relation_list_shows_joined_remote_units_sorted(pair):
    assert run(pair, "a/1", "relation-list -r 1") == (0, "b/0\nb/1\nb/2\n", "")
    assert run(pair, "b/0", "relation-list -r x:1 --format=json") == (0, '["a/0","a/1"]\n', "")
    assert run(pair, "b/0", "relation-list -r 1 --app") == (0, "a\n", "")
    assert run(pair, "a/0", "relation-list -r 0") == (0, "a/1\n", "")


def test_relation_list_needs_a_relation_id(pair):
    assert run(pair, "a/0", "relation-list") == (2, "", "ERROR no relation id specified\n")


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("x:99", 'invalid value "x:99" for option -r: relation not found'),
        ("99", 'invalid value "99" for option -r: relation not found'),
        ("burble", 'invalid value "burble" for option -r: invalid relation id'),
    ],
    ids=["unknown-with-name", "unknown-number", "not-a-number"],
)
def test_relation_get_rejects_bad_relation_ids(pair, flag, message):
    assert run(pair, "a/0", f"relation-get -r {flag} - b/0") == (2, "", f"ERROR {message}\n")


def test_relation_id_of_another_units_relation_is_unknown(pair, make_charm):
    pair.deploy(make_charm("c", requires={"y": "other"}))
    code, _, err = run(pair, "c/0", "relation-get -r 1 - a/0")
    assert (code, err) == (2, 'ERROR invalid value "1" for option -r: relation not found\n')


def test_relation_get_reads_remote_bag_with_address_keys(pair):
    code, out, _ = run(pair, "a/0", "relation-get -r 1 - b/1")
    assert code == 0
    data = yaml.safe_load(out)
    assert set(data) == {"egress-subnets", "ingress-address", "private-address"}
    assert (
        run(pair, "a/0", "relation-get -r 1 ingress-address b/1")[1]
        == data["ingress-address"] + "\n"
    )


def test_relation_get_missing_key_prints_nothing_or_null(pair):
    assert run(pair, "a/0", "relation-get -r 1 nope b/1") == (0, "", "")
    assert run(pair, "a/0", "relation-get -r 1 --format=json nope b/1") == (0, "null\n", "")


def test_relation_get_flags_may_follow_arguments(pair):
    code, out, _ = run(pair, "a/0", "relation-get - b/1 -r 1 --format json")
    assert code == 0
    assert "ingress-address" in json.loads(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("-r 1 - b", 'expected unit name, got application name "b"'),
        ("-r 1 - unit//0", 'invalid unit name "unit//0"'),
        ("-r 1 - b/0 extra", 'unrecognized args: ["extra"]'),
        ("-r 1", "no unit or application specified"),
        ("- b/0", "no relation id specified"),
        ("-r 1 --bogus - b/0", "option provided but not defined: --bogus"),
        (
            "-r 1 --format xml - b/0",
            'invalid value "xml" for option --format: unknown format "xml"',
        ),
        ("-r", "option needs an argument: -r"),
    ],
    ids=[
        "app-without-flag",
        "bad-unit",
        "extra-args",
        "no-unit",
        "no-relation",
        "unknown-flag",
        "bad-format",
        "missing-value",
    ],
)
def test_relation_get_usage_errors_exit_2(pair, args, message):
    assert run(pair, "a/0", f"relation-get {args}") == (2, "", f"ERROR {message}\n")


def test_relation_get_defaults_to_the_hook_relation_and_remote_unit(pair):
    pair.exec("b/0", "relation-set -r 1 colour=blue")
    code, out, _ = run(pair, "a/0", "relation-get colour", relation=1, remote_unit="b/0")
    assert (code, out) == (0, "blue\n")
    assert run(pair, "a/0", "relation-ids", relation=1)[1] == "x:1\n"


def test_relation_get_app_defaults_to_the_remote_app(pair):
    pair.exec("b/0", "relation-set -r 1 --app shared=yes")
    assert run(pair, "a/1", "relation-get --app shared", relation=1) == (0, "yes\n", "")
    # Without a remote unit, relation-get reads the remote app bag (as in -broken hooks).
    assert run(pair, "a/1", "relation-get shared", relation=1) == (0, "yes\n", "")


def test_relation_get_of_unit_outside_relation_is_permission_denied(pair):
    assert run(pair, "a/0", "relation-get -r 1 - zz/0") == (1, "", "ERROR permission denied\n")


def test_relation_get_of_same_side_unit_on_non_peer_is_permission_denied(pair):
    assert run(pair, "b/0", "relation-get -r 1 - b/1") == (1, "", "ERROR permission denied\n")


def test_non_leader_cannot_read_own_app_bag_on_non_peer_relation(pair):
    assert run(pair, "b/1", "relation-get -r 1 --app - b") == (1, "", "ERROR permission denied\n")
    assert run(pair, "b/0", "relation-get -r 1 --app - b") == (0, "{}\n", "")


def test_any_peer_may_read_every_peer_bag(pair):
    pair.exec("a/0", "relation-set -r 0 --app token=t && relation-set -r 0 me=a0")
    assert run(pair, "a/1", "relation-get -r 0 --app token a") == (0, "t\n", "")
    assert run(pair, "a/1", "relation-get -r 0 me a/0") == (0, "a0\n", "")


def test_relation_set_is_seen_by_own_relation_get_before_commit(pair):
    code, out, _ = run(pair, "b/0", "relation-set -r 1 k=v && relation-get -r 1 k b/0")
    assert (code, out) == (0, "v\n")


def test_relation_set_commits_on_success_and_wakes_remote_units(pair):
    start = len(pair.records)
    record = pair.exec("b/1", "relation-set -r 1 k=v")
    assert record.committed
    assert pair.relation_data(1, "b/1")["k"] == "v"
    woken = [(r.unit, r.hook, r.env["JUJU_REMOTE_UNIT"]) for r in pair.records[start + 1 :]]
    assert woken == [("a/0", "x-relation-changed", "b/1"), ("a/1", "x-relation-changed", "b/1")]


def test_relation_set_of_failed_command_is_discarded(pair):
    start = len(pair.records)
    record = pair.exec("b/1", "relation-set -r 1 k=v; exit 3")
    assert (record.exit_code, record.committed) == (3, False)
    assert "k" not in pair.relation_data(1, "b/1")
    assert len(pair.records) == start + 1  # nothing woken


def test_relation_set_without_net_change_wakes_nobody(pair):
    pair.exec("b/1", "relation-set -r 1 k=v")
    start = len(pair.records)
    record = pair.exec("b/1", "relation-set -r 1 k=other && relation-set -r 1 k=v")
    assert record.bag_changes == []
    assert len(pair.records) == start + 1


def test_relation_set_empty_value_deletes(pair):
    pair.exec("b/1", "relation-set -r 1 k=v j=w")
    record = pair.exec("b/1", "relation-set -r 1 k=")
    assert record.bag_changes[0].removed == ("k",)
    assert "k" not in pair.relation_data(1, "b/1")
    assert pair.relation_data(1, "b/1")["j"] == "w"


def test_relation_set_reads_yaml_from_stdin_with_overrides(pair):
    pair.exec("b/0", "printf 'a: 1\\nb: true\\nc: text\\n' | relation-set -r 1 --file - c=over")
    data = pair.relation_data(1, "b/0")
    assert (data["a"], data["b"], data["c"]) == ("1", "true", "over")


def test_relation_set_reads_a_settings_file(pair):
    pair.exec("b/0", 'echo \'{"k": "from-file"}\' > s.json && relation-set -r 1 --file=s.json')
    assert pair.relation_data(1, "b/0")["k"] == "from-file"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("-r 1 foo", 'expected "key=value", got "foo"'),
        ("-r 1 b/1", 'expected "key=value", got "b/1"'),
        ("-r 1 a=1 a=2", 'key "a" specified more than once'),
        ("k=v", "no relation id specified"),
    ],
    ids=["no-equals", "another-unit", "duplicate", "no-relation"],
)
def test_relation_set_usage_errors(pair, args, message):
    assert run(pair, "b/0", f"relation-set {args}") == (2, "", f"ERROR {message}\n")


def test_non_leader_cannot_write_app_bag(pair):
    assert run(pair, "b/1", "relation-set -r 1 --app k=v") == (
        1,
        "",
        "ERROR cannot write relation settings\n",
    )


def test_app_bag_change_wakes_every_remote_unit_without_remote_unit(pair):
    start = len(pair.records)
    pair.exec("b/0", "relation-set -r 1 --app k=v")
    woken = [r for r in pair.records[start + 1 :]]
    assert [r.unit for r in woken] == ["a/0", "a/1"]
    assert {(r.env["JUJU_REMOTE_UNIT"], r.env["JUJU_REMOTE_APP"]) for r in woken} == {("", "b")}


def test_peer_app_bag_change_wakes_other_peers_not_the_writer(pair):
    start = len(pair.records)
    pair.exec("a/0", "relation-set -r 0 --app k=v")
    assert [(r.unit, r.hook) for r in pair.records[start + 1 :]] == [("a/1", "p-relation-changed")]
