"""interfaces/database through the emulator: provides is SERVICE, requires is GLOBAL."""

from __future__ import annotations

import pytest

SERVER = """
from charms.reactive import when


@when("db.database.requested")
def serve(db):
    for application, name in db.requested_databases():
        db.provide_database(application, "dbhost", 5432, name, application, "pw-" + application)
    record("clients", db.clients())


@when("db.connected")
def clients(db):
    record("clients", db.clients())
"""

CLIENT = """
import os

from charms.reactive import set_flag, when, when_not


@when("database.connected")
@when_not("client.requested")
def ask(database):
    database.request_database(os.environ["JUJU_UNIT_NAME"].split("/")[0] + "_db")
    set_flag("client.requested")


@when("database.available")
def connect(database):
    record("dsn", database.connection_string())
    record("user", database.user())


@when_not("database.available")
def disconnected():
    record("dsn", None)
"""


@pytest.fixture
def served(model, make_charm):
    model.deploy(make_charm("db", SERVER, provides={"db": "database"}), num_units=2)
    client = make_charm("client", CLIENT, requires={"database": "database"})
    model.deploy(client, "shop", num_units=2)
    model.deploy(client, "blog")
    shop = model.relate("shop:database", "db:db")
    blog = model.relate("blog:database", "db:db")
    return model, shop, blog


def test_each_client_application_gets_its_own_credentials(served, seen):
    for unit in ("shop/0", "shop/1"):
        assert seen(unit)["dsn"] == "shop:pw-shop@dbhost:5432/shop_db"
        assert "database.available" in served[0].unit(unit).flags
    assert seen("blog/0")["dsn"] == "blog:pw-blog@dbhost:5432/blog_db"


def test_server_side_is_one_conversation_per_client_application(served, conversations, seen):
    model, shop, blog = served
    for unit in ("db/0", "db/1"):
        assert conversations(unit) == {
            f"db:{shop.id}.shop": ["shop/0", "shop/1"],
            f"db:{blog.id}.blog": ["blog/0"],
        }
        assert seen(unit)["clients"] == ["blog", "shop"]
        assert "db.database.requested" not in model.unit(unit).flags


def test_credentials_are_on_the_server_units_bags(served):
    model, shop, blog = served
    assert model.relation_data(shop, "db/0")["user"] == "shop"
    assert model.relation_data(blog, "db/0")["user"] == "blog"
    assert model.relation_data(shop, "shop/0")["database"] == "shop_db"


def test_client_side_is_one_global_conversation(served, conversations):
    assert conversations("shop/0") == {"database.global": ["db/0", "db/1"]}


def test_a_client_unit_leaving_keeps_its_application_served(served, conversations):
    model, shop, _ = served
    model.remove_unit("shop/1")
    assert conversations("db/0")[f"db:{shop.id}.shop"] == ["shop/0"]
    assert "db.connected" in model.unit("db/0").flags


def test_unrelating_one_client_ends_only_its_conversation(served, conversations, seen):
    model, shop, blog = served
    model.unrelate(shop)
    assert conversations("db/0") == {f"db:{blog.id}.blog": ["blog/0"]}
    assert seen("shop/0")["dsn"] is None
    assert "database.connected" not in model.unit("shop/0").flags
    assert seen("blog/0")["dsn"] == "blog:pw-blog@dbhost:5432/blog_db"
