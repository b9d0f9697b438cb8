"""interfaces/dbaas through the emulator: an Endpoint layer on request/response, both sides.

The wire format is charms.reactive 1.x's: ``request_<id>`` in each client unit's bag, a JSON
object with ``request_id`` and the fields; ``response_<id>`` in each server unit's bag.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

SERVER = """
import os

from charms.reactive import when


@when("db.requested")
def serve(db):
    host = os.environ["JUJU_UNIT_NAME"].replace("/", "-") + ".db"
    for request in db.new_requests:
        client = request.relation.application_name
        db.provide_database(request, 5432, client, "pw-" + request.database, host=host)
"""

#: A server that never answers: the state while requests wait.
SILENT_SERVER = """
from charms.reactive import when


@when("db.requested")
def waiting(db):
    record("waiting", sorted(request.database for request in db.new_requests))
"""

CLIENT = """
import os

from charms.reactive import clear_flag, set_flag, when, when_not

NAME = os.environ["JUJU_UNIT_NAME"].replace("/", "_") + "_db"


@when("database.connected")
@when_not("client.requested")
def ask(database):
    database.request_database(NAME)
    set_flag("client.requested")


@when_not("database.connected")
def gone():
    clear_flag("client.requested")


@when("database.ready")
def connect(database):
    record("dsn", database.connection_string(NAME))
    record("credentials", database.credentials(NAME))


@when_not("database.ready")
def not_ready():
    record("dsn", None)
"""

#: A client that asks again in every hook: the request must stay one request.
EAGER_CLIENT = """
from charms.reactive import when


@when("database.connected")
def ask(database):
    database.request_database("shared")
"""

PROXY = """
from charms.reactive import when


@when("backend.available")
def backends(backend):
    record("services", backend.services())
"""

CLIENT_FLAGS = {"database.connected", "database.available", "database.ready"}
SERVER_FLAGS = {"db.connected", "db.requested"}


def requests_in(bag):
    """``{request id: decoded request}`` of a client unit's bag."""
    return {
        k[len("request_") :]: json.loads(v) for k, v in bag.items() if k.startswith("request_")
    }


def responses_in(bag):
    """``{request id: decoded response}`` of a server unit's bag."""
    return {k[9:]: json.loads(v) for k, v in bag.items() if k.startswith("response_")}


def request_id(model, relation, unit):
    (found,) = requests_in(model.relation_data(relation, unit))
    return found


def tool_targets(record, tool):
    """Count a hook's calls of ``tool`` by target: ``(relation id, owner or None, --app)``."""
    counts = Counter()
    for call in record.tool_calls:
        if call.tool != tool:
            continue
        argv = list(call.argv)
        rid = argv[argv.index("-r") + 1]
        owner = argv[argv.index("-") + 1] if tool == "relation-get" else None
        counts[(rid, owner, "--app" in argv)] += 1
    return counts


@pytest.fixture
def served(model, make_charm):
    model.deploy(make_charm("dbserver", SERVER, provides={"db": "dbaas"}), num_units=2)
    model.deploy(make_charm("client", CLIENT, requires={"database": "dbaas"}), num_units=2)
    return model, model.relate("client:database", "dbserver:db")


def test_each_client_unit_publishes_its_request_in_the_1x_wire_format(served):
    model, relation = served
    for n in (0, 1):
        bag = model.relation_data(relation, f"client/{n}")
        (rid,) = requests_in(bag)
        expected = {"database": f"client_{n}_db", "request_id": rid}
        assert bag[f"request_{rid}"] == json.dumps(expected, sort_keys=True)


def test_every_server_unit_answers_every_request_in_its_own_bag(served):
    model, relation = served
    ids = {n: request_id(model, relation, f"client/{n}") for n in (0, 1)}
    for s in (0, 1):
        bag = model.relation_data(relation, f"dbserver/{s}")
        assert set(responses_in(bag)) == set(ids.values())
        for n, rid in ids.items():
            expected = {
                "host": f"dbserver-{s}.db",
                "password": f"pw-client_{n}_db",
                "port": 5432,  # JSON: the int stays an int
                "user": "client",
            }
            assert bag[f"response_{rid}"] == json.dumps(expected, sort_keys=True)


def test_the_response_reaches_the_requester_from_the_first_server_unit(served, seen):
    model, _ = served
    for n in (0, 1):
        unit = f"client/{n}"
        assert seen(unit)["dsn"] == f"client:pw-client_{n}_db@dbserver-0.db:5432/client_{n}_db"
        assert seen(unit)["credentials"] == {
            "host": "dbserver-0.db",
            "port": 5432,
            "user": "client",
            "password": f"pw-client_{n}_db",
        }
        flags = model.unit(unit).flags
        assert flags >= CLIENT_FLAGS
        endpoint_flags = {"joined", "has_responses", "all_responses"}
        assert {f"endpoint.database.{f}" for f in endpoint_flags} <= flags


def test_server_flags_once_every_request_is_answered(served):
    model, _ = served
    for unit in ("dbserver/0", "dbserver/1"):
        flags = model.unit(unit).flags
        assert {"db.connected", "endpoint.db.joined", "endpoint.db.has_requests"} <= flags
        assert "db.requested" not in flags
        assert "endpoint.db.new_requests" not in flags


def test_waiting_requests_set_requested_and_leave_the_client_not_ready(model, make_charm, seen):
    model.deploy(make_charm("dbserver", SILENT_SERVER, provides={"db": "dbaas"}))
    model.deploy(make_charm("client", CLIENT, requires={"database": "dbaas"}), num_units=2)
    model.relate("client:database", "dbserver:db")
    server = model.unit("dbserver/0").flags
    assert {"db.connected", "db.requested", "endpoint.db.new_requests"} <= server
    assert seen("dbserver/0")["waiting"] == ["client_0_db", "client_1_db"]
    client = model.unit("client/0").flags
    assert "database.connected" in client
    assert not {"database.available", "database.ready"} & client
    assert not {"endpoint.database.has_responses", "endpoint.database.all_responses"} & client
    assert seen("client/0")["dsn"] is None


def test_asking_again_for_the_same_name_keeps_one_request(model, make_charm):
    model.deploy(make_charm("dbserver", SERVER, provides={"db": "dbaas"}))
    model.deploy(make_charm("client", EAGER_CLIENT, requires={"database": "dbaas"}))
    relation = model.relate("client:database", "dbserver:db")
    first = request_id(model, relation, "client/0")
    model.update_status()
    assert request_id(model, relation, "client/0") == first
    assert "database.ready" in model.unit("client/0").flags


def test_scale_out_a_new_client_unit_is_answered_by_every_server_unit(served, seen):
    model, relation = served
    model.add_unit("client")
    new = request_id(model, relation, "client/2")
    for s in (0, 1):
        responses = responses_in(model.relation_data(relation, f"dbserver/{s}"))
        assert len(responses) == 3
        assert responses[new]["password"] == "pw-client_2_db"
    assert seen("client/2")["dsn"] == "client:pw-client_2_db@dbserver-0.db:5432/client_2_db"


def test_a_departing_client_unit_has_its_answers_removed(served):
    model, relation = served
    kept, gone = (request_id(model, relation, f"client/{n}") for n in (0, 1))
    model.remove_unit("client/1")
    for unit in ("dbserver/0", "dbserver/1"):
        assert set(responses_in(model.relation_data(relation, unit))) == {kept}
        flags = model.unit(unit).flags
        assert "db.connected" in flags
        assert "endpoint.db.departed" not in flags
        assert model.unit(unit).kv("reactive.endpoints.departed.") == {}
    assert gone != kept


def test_a_departing_server_unit_leaves_the_client_on_the_other_one(served, seen):
    model, _ = served
    model.remove_unit("dbserver/0")
    assert seen("client/0")["dsn"] == "client:pw-client_0_db@dbserver-1.db:5432/client_0_db"
    flags = model.unit("client/0").flags
    assert flags >= CLIENT_FLAGS
    assert "endpoint.database.departed" not in flags


def test_removing_the_relation_clears_the_flags_on_both_sides(served, seen):
    model, relation = served
    model.unrelate(relation)
    for unit in ("client/0", "client/1"):
        flags = model.unit(unit).flags
        assert not CLIENT_FLAGS & flags
        assert not {f for f in flags if f.startswith("endpoint.database.") and "changed" not in f}
        assert seen(unit)["dsn"] is None
    for unit in ("dbserver/0", "dbserver/1"):
        flags = model.unit(unit).flags
        assert not SERVER_FLAGS & flags
        assert not {f for f in flags if f.startswith("endpoint.db.") and "changed" not in f}


def test_a_new_relation_after_removal_is_asked_and_answered_again(served, seen):
    model, relation = served
    model.unrelate(relation)
    again = model.relate("client:database", "dbserver:db")
    assert again.id != relation.id
    assert seen("client/0")["dsn"] == "client:pw-client_0_db@dbserver-0.db:5432/client_0_db"
    assert len(responses_in(model.relation_data(again, "dbserver/1"))) == 2


def assert_each_bag_read_and_written_once_per_hook(records):
    records = [r for r in records if not r.skipped]
    assert any(r.tool_counts["relation-set"] for r in records)
    for record in records:
        assert not record.failed, record.stderr
        for tool in ("relation-get", "relation-set"):
            repeated = {k: n for k, n in tool_targets(record, tool).items() if n > 1}
            assert repeated == {}, f"{record.unit} {record.hook}: {tool} {repeated}"


def test_each_hook_reads_a_bag_at_most_once_and_writes_a_relation_at_most_once(served):
    model, relation = served
    model.add_unit("dbserver")
    model.update_status()
    model.remove_unit("client/1")
    model.unrelate(relation)
    assert_each_bag_read_and_written_once_per_hook(model.records)


def test_the_server_asks_juju_nothing_about_relations_in_update_status(served):
    model, _ = served
    model.update_status("dbserver")
    for record in model.records:
        if record.hook == "update-status":
            assert record.unit.startswith("dbserver/")
            assert not {t for t in record.tool_counts if t.startswith("relation-")}


# -- the example charms: examples/dbserver and examples/dbclient (which also provides http) --


@pytest.fixture
def examples(model, example_charm, make_charm):
    model.deploy(example_charm("dbserver"))
    model.deploy(example_charm("dbclient"), num_units=2)
    model.deploy(make_charm("proxy", PROXY, requires={"backend": "http"}))
    website = model.relate("proxy:backend", "dbclient:website")
    database = model.relate("dbclient:database", "dbserver:db")
    return model, website, database


def test_example_dbclient_gets_its_database_from_dbserver(examples):
    model, _, database = examples
    address = model.relation_data(database, "dbserver/0")["ingress-address"]
    for unit in ("dbclient/0", "dbclient/1"):
        conf = (model.unit(unit).charm_dir / "dbclient.conf").read_text().splitlines()
        assert conf[0] == "port = 8080"
        assert conf[1].startswith("database = dbclient:")
        assert conf[1].endswith(f"@{address}:5432/dbclient")
        assert {"dbclient.configured", "database.ready"} <= model.unit(unit).flags
    assert model.unit("dbserver/0").status.message == "serving 2 database(s)"


def test_example_dbclient_uses_both_apis_in_one_hook(examples, seen):
    """The answer arrives (Endpoint) and the website is offered (RelationBase) in one hook."""
    model, website, _ = examples
    for unit in ("dbclient/0", "dbclient/1"):
        (offered,) = [
            r
            for r in model.unit(unit).records
            if any(c.relation_id == website.id and "port" in c.changed for c in r.bag_changes)
        ]
        assert offered.hook == "database-relation-changed"
        assert "database.ready" not in offered.flags_before
        assert {"database.ready", "website.available"} <= offered.flags_after
    (service,) = seen("proxy/0")["services"]
    assert [host["port"] for host in service["hosts"]] == ["8080", "8080"]
    assert_each_bag_read_and_written_once_per_hook(model.records)


def test_example_dbclient_stops_offering_when_the_database_goes(examples):
    model, _, database = examples
    model.unrelate(database)
    for unit in ("dbclient/0", "dbclient/1"):
        assert not (model.unit(unit).charm_dir / "dbclient.conf").exists()
        assert "dbclient.configured" not in model.unit(unit).flags
    assert model.unit("dbserver/0").status.message == "no clients"
