"""bin/charms.reactive.sh: decorators, the --test/--invoke protocol and the flag verbs.

A fake ``charms.reactive`` on PATH answers conditions from ``$FLAGS`` and logs its argv.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FAKE_CLI = """#!{python}
import os, shlex, sys

with open(os.environ["CALLS"], "a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
flags = set(os.environ.get("FLAGS", "").split())
if sys.argv[1] == "test":
    passed = []
    for spec in sys.argv[2:]:
        parts = shlex.split(spec)
        ok = True
        for test, raw in zip(parts[2::2], parts[3::2]):
            args = shlex.split(raw)
            if test == "when":
                ok = ok and all(a in flags for a in args)
            elif test == "when_not":
                ok = ok and not any(a in flags for a in args)
            elif test == "only_once":
                ok = ok and "invoked" not in flags
            else:
                sys.exit("unknown test " + test)
        if ok:
            passed.append(parts[0])
    sys.stdout.write(",".join(passed))
"""

HANDLER = """#!/bin/bash
source "{helper}"

@when 'a'
@when_not 'b'
first() {{ echo "first ran"; set_flag b; }}

helper_only() {{ :; }}

@when 'a' 'c'
second() {{ echo "second ran"; }}

@only_once
third() {{ echo "third ran"; }}

reactive_handler_main
"""


@pytest.fixture
def handler(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "charms.reactive").write_text(FAKE_CLI.format(python=sys.executable))
    (fake_bin / "charms.reactive").chmod(0o755)
    script = tmp_path / "handler"
    script.write_text(HANDLER.format(helper=REPO / "bin" / "charms.reactive.sh"))
    script.chmod(0o755)
    calls = tmp_path / "calls"

    def run(*args, flags=""):
        env = {
            **os.environ,
            "PATH": f"{fake_bin}:{os.environ['PATH']}",
            "FLAGS": flags,
            "CALLS": str(calls),
        }
        return subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, check=False
        )

    run.calls = calls
    return run


@pytest.mark.parametrize(
    ("flags", "expected"),
    [("a", "first,third"), ("a c", "first,second,third"), ("a b c invoked", "second")],
    ids=["one", "stacked-args", "when-not-and-only-once"],
)
def test_test_prints_the_handlers_whose_conditions_hold(handler, flags, expected):
    result = handler("--test", flags=flags)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_test_asks_the_command_line_once_for_all_handlers(handler):
    result = handler("--test", flags="a c")
    assert result.returncode == 0, result.stderr
    calls = handler.calls.read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].startswith("test first ")
    assert "when a when_not b" in calls[0]
    assert ":third only_once" in calls[0]


def test_test_exits_1_when_no_handler_should_run(handler):
    result = handler("--test", flags="b invoked")
    assert result.returncode == 1
    assert result.stdout == ""


def test_invoke_runs_the_named_handlers_in_order_and_marks_only_once(handler):
    result = handler("--invoke", "first,third")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["first ran", "third ran"]
    calls = handler.calls.read_text().splitlines()
    assert calls[0] == "set_flag b"
    assert calls[1].startswith("mark_invoked ")
    assert calls[1].endswith(":third")


def test_undecorated_functions_are_not_handlers(handler):
    result = handler("--invoke", "helper_only")
    assert result.returncode == 2
    assert "unknown handler: helper_only" in result.stderr


def test_without_protocol_arguments_it_prints_usage(handler):
    result = handler()
    assert result.returncode == 2
    assert "usage:" in result.stderr
