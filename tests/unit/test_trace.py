"""The trace: what ran, what was skipped and why, flag changes by handler; saved as JSON."""

from __future__ import annotations

import pytest

from charms.reactive import main
from charms.reactive.trace import HookTrace, NullTracer, load_trace, render, trace_path

HANDLERS = """
from charms.reactive import clear_flag, hook, set_flag, when, when_not

@hook('install')
def install():
    set_flag('installed')
    set_flag('temp')

@when('installed')
def configure():
    clear_flag('temp')

@when('db.ready')
def use_db():
    pass

@when('temp')
def needs_temp():
    pass
"""


@pytest.fixture
def traced(hook_runtime, write):
    write("reactive/h.py", HANDLERS)
    rt = hook_runtime("install")
    main()
    return load_trace(rt)


def events(data, kind):
    return [e for e in data["events"] if e["event"] == kind]


def test_trace_lists_the_handlers_run(traced):
    assert traced["outcome"] == "ok"
    assert traced["hook"] == "install"
    assert traced["invoked"] == ["reactive/h.py:3:install", "reactive/h.py:8:configure"]


def test_trace_explains_a_skipped_handler(traced):
    skips = {e["handler"]: e["reason"] for e in events(traced, "skip")}

    assert skips["reactive/h.py:12:use_db"] == "flags not set: db.ready"


def test_trace_shows_a_handler_dequeued_after_a_clear(traced):
    [dequeued] = events(traced, "dequeue")

    assert dequeued == {
        "event": "dequeue",
        "handler": "reactive/h.py:16:needs_temp",
        "reason": "flags not set: temp",
    }


def test_trace_attributes_flag_changes_to_handlers(traced):
    changes = [(e["event"], e["flag"], e["by"]) for e in traced["events"] if "flag" in e]

    assert changes == [
        ("set", "installed", "reactive/h.py:3:install"),
        ("set", "temp", "reactive/h.py:3:install"),
        ("clear", "temp", "reactive/h.py:8:configure"),
    ]
    assert traced["flags_before"] == []
    assert traced["flags_after"] == ["installed"]


def test_trace_phases_carry_their_queues(traced):
    phases = [(e["phase"], e["iteration"], e["queue"]) for e in events(traced, "phase")]

    assert phases == [
        ("hooks", 0, ["reactive/h.py:3:install"]),
        ("other", 0, ["reactive/h.py:8:configure", "reactive/h.py:16:needs_temp"]),
        ("other", 1, []),
    ]


def test_rendered_trace_reads_as_a_story(traced):
    text = render(traced)

    assert text.splitlines()[0].startswith("tracer: hook install: ok in ")
    assert "tracer:   skip reactive/h.py:12:use_db: flags not set: db.ready" in text
    assert "tracer:     -- clear temp (by reactive/h.py:8:configure)" in text
    assert text.splitlines()[-1] == "tracer: flags at end: installed"


def test_trace_file_lives_beside_the_state_db(rt):
    assert trace_path(rt) == rt.db_path.with_name(".unit-state.trace.json")
    assert load_trace(rt) is None


def test_null_tracer_accepts_every_event():
    tracer = NullTracer()
    tracer.start("h", [])
    tracer.phase("hooks", 0, [])
    tracer.skipped("x", "why")
    tracer.dequeued("x", "why")
    tracer.invoking("x")
    tracer.flag_changed("f", True)
    tracer.finish("ok", None, [])


def test_hook_trace_without_events_renders():
    trace = HookTrace("start", "u/0")
    trace.finish("ok", None, None)

    assert trace.render().splitlines()[1] == "tracer: flags at start: (none)"
