"""The request/response pattern: the 1.x wire format and flags, per-endpoint state, fixes."""

from __future__ import annotations

import json
import sys

import pytest

from charms.reactive import Endpoint, flags, main

CLASSES = """
from charms.reactive import BaseRequest, BaseResponse, Field


class CertResponse(BaseResponse):
    cert = Field("the certificate")


class CertRequest(BaseRequest):
    RESPONSE_CLASS = CertResponse
    common_name = Field("the name")
    sans = Field("other names")
"""
REQUESTER = """
from relations.mysql.certs import CertRequest
from charms.reactive import RequesterEndpoint


class Requester(RequesterEndpoint):
    REQUEST_CLASS = CertRequest
"""
RESPONDER = """
from relations.http.certs import CertRequest
from charms.reactive import ResponderEndpoint


class Responder(ResponderEndpoint):
    REQUEST_CLASS = CertRequest
"""


@pytest.fixture
def charm(write, tools):
    for iface, role, text in (("mysql", "requires", REQUESTER), ("http", "provides", RESPONDER)):
        write(f"hooks/relations/{iface}/interface.yaml", f"name: {iface}\nsummary: t\n")
        write(f"hooks/relations/{iface}/__init__.py", "")
        write(f"hooks/relations/{iface}/certs.py", CLASSES)
        write(f"hooks/relations/{iface}/{role}.py", text)
    tools.ids = {"db": ["db:1"], "db2": [], "website": ["website:2"]}
    tools.units = {"db:1": ["ca/0", "ca/1"], "website:2": ["client/0"]}
    tools.bags = {
        "db:1": {"ca/0": {}, "ca/1": {}, "local/0": {}},
        "website:2": {"client/0": {}, "local/0": {}},
    }
    return tools


def requests_module(side="mysql"):
    """The request classes' module as this hook imported it (each hook imports layers afresh)."""
    Endpoint.from_name("db" if side == "mysql" else "website")
    return sys.modules[f"relations.{side}.certs"]


def run(hook_runtime, name="update-status", **env):
    rt = hook_runtime(name, **env)
    main()
    return rt


def flags_now(hook_runtime):
    hook_runtime("update-status")
    return set(flags.get_flags())


def published(tools, rid="db:1"):
    return {k: json.loads(v) for k, v in tools.bags[rid]["local/0"].items()}


def test_requests_go_out_in_the_1x_wire_format_and_flags_follow(charm, hook_runtime):
    hook_runtime("update-status")
    relation = Endpoint.from_name("db").relations["db:1"]
    cls = requests_module().CertRequest
    request = cls.create(relation, common_name="a", request_id="r1")
    main()

    assert published(charm) == {"request_r1": {"common_name": "a", "request_id": "r1"}}
    assert json.loads(json.dumps(request)) == {"common_name": "a", "request_id": "r1"}
    now = flags_now(hook_runtime)
    assert "endpoint.db.has_responses" not in now
    assert "endpoint.db.all_responses" not in now  # a request without a response

    charm.bags["db:1"]["ca/1"] = {"response_r1": json.dumps({"cert": "C1"})}
    run(hook_runtime, "db-relation-changed", relation="db", relation_id="db:1",
        remote_unit="ca/1", remote_app="ca")  # fmt: skip
    now = flags_now(hook_runtime)
    assert {"endpoint.db.has_responses", "endpoint.db.all_responses"} <= now
    endpoint = Endpoint.from_name("db")
    assert endpoint.response_by_common_name("a").cert == "C1"
    assert [r.cert for r in endpoint.responses] == ["C1"]


def test_no_request_is_not_all_responses(charm, hook_runtime):
    run(hook_runtime, "db-relation-changed", relation="db", relation_id="db:1",
        remote_unit="ca/0", remote_app="ca")  # fmt: skip
    assert "endpoint.db.all_responses" not in flags_now(hook_runtime)  # 1.x set it


def test_get_all_is_in_creation_order_and_find_honours_the_relation(charm, hook_runtime):
    charm.ids["db"] = ["db:1", "db:7"]
    charm.units["db:7"] = ["ca2/0"]
    charm.bags["db:7"] = {"ca2/0": {}, "local/0": {}}
    hook_runtime("update-status")
    endpoint = Endpoint.from_name("db")
    cls = requests_module().CertRequest
    for rid, name, request_id in (("db:1", "x", "zz"), ("db:7", "x", "aa"), ("db:1", "y", "mm")):
        cls.create(endpoint.relations[rid], common_name=name, request_id=request_id)
    main()

    hook_runtime("update-status")
    cls = requests_module().CertRequest
    assert [r["request_id"] for r in cls.get_all()] == ["zz", "aa", "mm"]
    second = Endpoint.from_name("db").relations["db:7"]
    assert cls.find(second, common_name="x")["request_id"] == "aa"  # 1.x ignored relation
    assert cls.find(common_name="x")["request_id"] == "zz"
    assert [r["request_id"] for r in cls.find_all(common_name="x")] == ["zz", "aa"]


def test_a_request_can_be_updated_and_deleted(charm, hook_runtime):
    hook_runtime("update-status")
    cls = requests_module().CertRequest
    relation = Endpoint.from_name("db").relations["db:1"]
    request = cls.create_or_update(["common_name"], relation, common_name="a", request_id="r1")
    main()

    hook_runtime("update-status")
    again = requests_module().CertRequest.create_or_update(
        ["common_name"], Endpoint.from_name("db").relations["db:1"], common_name="a", sans=["b"]
    )
    assert again["request_id"] == request["request_id"] == "r1"
    with pytest.raises(AttributeError, match="request_id can't be modified"):
        again.request_id = "other"
    main()
    assert published(charm) == {
        "request_r1": {"common_name": "a", "request_id": "r1", "sans": ["b"]}
    }

    hook_runtime("update-status")
    [mine] = requests_module().CertRequest.get_all()
    mine.delete()
    assert requests_module().CertRequest.get_all() == []
    main()
    assert published(charm) == {}


def test_the_responder_sees_requests_answers_them_and_its_flags_follow(charm, hook_runtime):
    charm.bags["website:2"]["client/0"] = {
        "request_q": json.dumps({"request_id": "q", "common_name": "svc"})
    }
    run(hook_runtime, "website-relation-changed", relation="website", relation_id="website:2",
        remote_unit="client/0", remote_app="client")  # fmt: skip
    assert {"endpoint.website.has_requests", "endpoint.website.new_requests"} <= flags_now(
        hook_runtime
    )

    hook_runtime("update-status")
    responder = Endpoint.from_name("website")
    [request] = responder.new_requests
    assert request.is_received
    assert request.common_name == "svc"
    with pytest.raises(AttributeError, match="can't change field for received"):
        request.common_name = "other"
    response = request.respond(cert="C")
    assert response.request_id == "q"
    main()

    assert published(charm, "website:2") == {"response_q": {"cert": "C"}}
    now = flags_now(hook_runtime)
    assert "endpoint.website.has_requests" in now
    assert "endpoint.website.new_requests" not in now  # answered in that hook: flags follow
    hook_runtime("update-status")
    [received] = requests_module("http").CertRequest.get_all()
    assert received.response.cert == "C"
    assert requests_module().CertRequest.get_all() == []  # the requester sent none
