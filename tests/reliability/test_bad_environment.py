"""Bad input from the unit's side: hook tools, environment, metadata, code, state database.

Each case runs a real hook in the emulator and checks what the user sees (the error text in
the hook's stderr, the exit code) and that nothing is lost: the unit's whole key-value store
and the bags it writes are as before the hook, and, once the cause is removed, ``juju
resolved`` (``model.retry``) succeeds. Reactive hooks run in-process unless the case needs
processes (fake tools on ``PATH``, two hooks at once, environment edits through ``juju exec``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from helpers.reliability import DATA, LIB, REMOTE, snapshot
from reactive_harness import Model, SubprocessExecutor
from reactive_harness.inprocess import InProcessExecutor

UNIT = "subject/0"
EXTRA = DATA / "reliability_extra"
#: Figures for the report: bad inputs tried by this module.
TRIED: list[str] = []


@pytest.fixture
def related(tmp_path, subject_charm) -> Iterator[Model]:
    with Model(tmp_path / "m", fail_fast=False, executor=InProcessExecutor()) as model:
        model.deploy(subject_charm, "subject")
        model.deploy(REMOTE, "beta", num_units=2)
        model.relate("subject:u", "beta:u")
        model.set_relation_data("subject:u beta:u", "beta/0", {"value": "1"})
        assert model.unit(UNIT).error is None
        yield model


def _remote_change(model: Model, value: str = "2") -> None:
    model.set_relation_data("subject:u beta:u", "beta/1", {"value": value}, settle=False)


def _config(model: Model, value: str = "changed") -> None:
    model.set_config("subject", {"greeting": value}, settle=False)


def _fails_then_retries(
    model: Model, trigger: Callable[[Model], None], repair: Callable[[], None], *texts: str
) -> str:
    """Trigger a hook that must fail naming ``texts``, leave nothing, and pass once repaired."""
    TRIED.append(texts[0])
    trigger(model)
    before = snapshot(model)
    flags = model.unit(UNIT).flags
    model.settle()
    failed = model.unit(UNIT).error
    assert failed is not None, "the hook should have failed"
    assert failed.exit_code == 1
    for text in texts:
        assert text in failed.stderr, failed.stderr
    assert snapshot(model) == before
    assert model.unit(UNIT).flags == flags
    repair()
    retried = model.retry(UNIT)
    assert retried.exit_code == 0, retried.stderr
    assert model.unit(UNIT).error is None
    return failed.stderr


# -- hook tools ------------------------------------------------------------------------------


def test_failing_hook_tool_names_command_and_stderr(related: Model):
    # The first call: the bag Juju said changed (the rest comes from the notified view).
    related.inject_fault(UNIT, call=1, message="agent is gone")
    _fails_then_retries(
        related,
        _remote_change,
        lambda: None,
        "HookToolError: relation-get --format=json -r u:1 - beta/1 failed with exit code 1: "
        "ERROR agent is gone",
    )


FAKE_TOOLS = {
    "garbage": ("printf 'garbage{'\n", "failed with exit code 0: output is not JSON: 'garbage{'"),
    "binary": ("printf '\\377\\000\\001'\n", "failed with exit code 0: output is not JSON"),
    "exit-3": ("echo 'cannot reach the controller' >&2; exit 3\n",
               "failed with exit code 3: cannot reach the controller"),
}  # fmt: skip


#: A hook that asks each tool: -joined reads the membership again, -changed the changed bag.
HOOK_ASKING = {"relation-list": "u-relation-joined", "relation-get": "u-relation-changed"}


@pytest.mark.parametrize("tool", sorted(HOOK_ASKING))
@pytest.mark.parametrize("behaviour", sorted(FAKE_TOOLS))
def test_hook_tool_misbehaving_fails_the_hook(related: Model, tmp_path, tool, behaviour):
    script, text = FAKE_TOOLS[behaviour]
    hook = HOOK_ASKING[tool]
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / tool).write_text("#!/bin/sh\n" + script)
    (fake / tool).chmod(0o755)
    TRIED.append(f"{tool} {behaviour}")
    before = snapshot(related)
    record = related.exec(
        UNIT,
        f"PATH={fake}:$PATH JUJU_HOOK_NAME={hook} hooks/{hook}",
        relation="subject:u beta:u",
        remote_unit="beta/0",
    )
    assert record.exit_code == 1
    assert f"HookToolError: {tool} --format=json -r u:1" in record.stderr, record.stderr
    assert text in record.stderr
    assert snapshot(related) == before
    ok = related.exec(
        UNIT,
        f"JUJU_HOOK_NAME={hook} hooks/{hook}",
        relation="subject:u beta:u",
        remote_unit="beta/0",
    )
    assert ok.exit_code == 0, ok.stderr


# -- the hook environment --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["env -u JUJU_UNIT_NAME", "env JUJU_UNIT_NAME="])
def test_main_without_unit_name_refuses_to_run(related: Model, how: str):
    TRIED.append(f"main() with {how}")
    before = snapshot(related)
    record = related.exec(UNIT, f"{how} JUJU_HOOK_NAME=config-changed hooks/config-changed")
    assert record.exit_code == 1
    assert "HookContextError: JUJU_UNIT_NAME is not set: not running in a Juju hook" in (
        record.stderr
    )
    assert [c.argv[0] for c in record.tool_calls] == []  # refused before anything ran
    assert snapshot(related) == before


def test_cli_without_unit_name_works_on_the_state_file(related: Model):
    """Documented: outside a hook the command line works on ``UNIT_STATE_DB``."""
    TRIED.append("charms.reactive CLI without JUJU_UNIT_NAME")
    # bin/charms.reactive minus the layer bootstrap (the fixture charm is not built)
    code = "import sys; from charms.reactive.cli import main; sys.exit(main())"
    cli = f"PYTHONPATH={LIB} {sys.executable} -c '{code}'"
    record = related.exec(UNIT, f"env -u JUJU_UNIT_NAME {cli} set_flag cli.flag")
    assert record.exit_code == 0, record.stderr
    assert "cli.flag" in related.unit(UNIT).flags
    record = related.exec(UNIT, f"env -u JUJU_UNIT_NAME {cli} is_flag_set subject.installed")
    assert record.exit_code == 0, record.stderr


@pytest.mark.parametrize("hook", ["joined", "changed", "departed"])
@pytest.mark.parametrize("endpoint", ["u", "s"])
def test_empty_remote_unit_stores_no_none_conversation(
    tmp_path, subject_charm, hook: str, endpoint: str
):
    """An empty ``JUJU_REMOTE_UNIT`` in a relation hook (Juju leaves it empty in some hooks)."""
    TRIED.append(f"empty JUJU_REMOTE_UNIT in {endpoint}-relation-{hook}")
    with Model(tmp_path / "m", fail_fast=False) as model:
        model.deploy(subject_charm, "subject")
        model.deploy(REMOTE, "beta")
        rel = model.relate(f"subject:{endpoint}", f"beta:{endpoint}")
        name = f"{endpoint}-relation-{hook}"
        record = model.exec(
            UNIT, f"JUJU_REMOTE_UNIT= JUJU_HOOK_NAME={name} hooks/{name}", relation=rel
        )
        kv = model.unit_kv(UNIT)
        assert not [k for k in kv if "None" in k], kv
        assert record.exit_code == 0, record.stderr  # the safe behaviour: nothing to do
        model.settle()
        assert model.unit(UNIT).error is None
        kv = model.unit_kv(UNIT)
        assert not [k for k in kv if "None" in k], kv


# -- metadata.yaml and code ------------------------------------------------------------------

METADATA = {
    "missing": (None, "MetadataError: cannot read {path}: No such file or directory"),
    "not-yaml": ("requires: [unclosed\n", "MetadataError: {path} is not valid YAML"),
    "a-list": ("- subject\n", "MetadataError: {path}: expected a mapping at the top level"),
    "no-interface": (
        "name: subject\nrequires:\n  u: {}\n",
        "MetadataError: {path}: relation 'u' under 'requires' has no 'interface'",
    ),
}


@pytest.mark.parametrize("case", sorted(METADATA))
def test_bad_metadata_fails_naming_the_file(related: Model, case: str):
    path = related.unit(UNIT).charm_dir / "metadata.yaml"
    saved = path.read_text()
    content, text = METADATA[case]
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    _fails_then_retries(related, _remote_change, lambda: path.write_text(saved),
                        text.format(path=path))  # fmt: skip


INTERFACE_ERRORS = {
    "syntax": ("\ndef broken(:\n", "SyntaxError"),
    "import": ("\nimport no_such_module_xyz\n", "No module named 'no_such_module_xyz'"),
    "raises": ("\nraise RuntimeError('interface exploded at import')\n",
               "RuntimeError: interface exploded at import"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(INTERFACE_ERRORS))
def test_broken_interface_module_fails_with_its_error(related: Model, case: str):
    path = related.unit(UNIT).charm_dir / "hooks" / "relations" / "rel-unit" / "requires.py"
    saved = path.read_text()
    bad, text = INTERFACE_ERRORS[case]
    path.write_text(saved + bad)
    stderr = _fails_then_retries(related, _remote_change, lambda: path.write_text(saved), text)
    assert "not found" not in stderr.lower()
    assert "requires.py" in stderr


def test_handlers_fighting_over_a_flag(related: Model):
    fight = related.unit(UNIT).charm_dir / "reactive" / "fight.py"
    shutil.copy(EXTRA / "fight.py", fight)
    _fails_then_retries(
        related,
        _config,
        fight.unlink,
        "DispatchLimitError: dispatch did not settle after 100 iterations; "
        "flags still changing: fight.on; handlers still running: reactive/fight.py:",
    )
    assert "fight.on" not in related.unit(UNIT).flags


# -- the unit's state database ---------------------------------------------------------------


def test_corrupt_state_db_is_named_and_left_alone(related: Model):
    db = related.unit(UNIT).charm_dir / ".unit-state.db"
    good = db.read_bytes()
    garbage = b"not a database\x00\xff" * 512
    db.write_bytes(garbage)
    TRIED.append("corrupt .unit-state.db")
    _config(related)
    related.settle()
    failed = related.unit(UNIT).error
    assert failed is not None
    assert failed.exit_code == 1
    assert f"UnitStateError: cannot open the unit state {db}: file is not a database" in (
        failed.stderr
    )
    assert db.read_bytes() == garbage  # nothing overwritten
    db.write_bytes(good)  # the operator restores a backup
    assert related.retry(UNIT).exit_code == 0


LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT OR REPLACE INTO kv (key, data) VALUES ('other.key', '1')")
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
"""


@pytest.mark.parametrize("executor", ["subprocess", "in-process"])
def test_locked_state_db_fails_after_the_busy_timeout(related: Model, executor: str):
    if executor == "subprocess":
        related.engine.executor = SubprocessExecutor()
    db = related.unit(UNIT).charm_dir / ".unit-state.db"
    TRIED.append("locked .unit-state.db")
    holder = subprocess.Popen(  # another process holds a write transaction
        [sys.executable, "-c", LOCK_HOLDER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        _config(related)
        before = snapshot(related)
        start = time.monotonic()
        related.settle()
        took = time.monotonic() - start
        failed = related.unit(UNIT).error
        assert failed is not None, related.unit(UNIT).records[-1]
        assert failed.exit_code == 1
        assert f"UnitStateError: the unit state {db}: database is locked" in failed.stderr
        assert took < 20  # sqlite's 5 s busy timeout, not a hang
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    assert snapshot(related) == {**before, f"kv {UNIT}": {**before[f"kv {UNIT}"], "other.key": 1}}
    assert related.retry(UNIT).exit_code == 0


def test_two_hooks_at_once_run_one_after_the_other(related: Model):
    """main() holds an flock on ``<state db>.lock``: the second hook waits; no lost update."""
    TRIED.append("two hooks at once")
    shutil.copy(EXTRA / "slow.py", related.unit(UNIT).charm_dir / "reactive" / "slow.py")
    ticks = related.unit(UNIT).kv("subject.ticks").get("subject.ticks", 0)
    hook = "JUJU_HOOK_NAME=update-status hooks/update-status"
    record = related.exec(
        UNIT,
        f"{hook} & first=$!; sleep 0.3; {hook}; second=$?; wait $first; exit $(($? + second))",
    )
    assert record.exit_code == 0, record.stderr
    assert record.duration >= 2.0  # each holds the lock for 1 s
    assert related.unit(UNIT).kv("subject.ticks")["subject.ticks"] == ticks + 2


def test_second_hook_gives_up_with_hook_lock_error(related: Model):
    TRIED.append("state lock held beyond the timeout")
    shutil.copy(EXTRA / "slow.py", related.unit(UNIT).charm_dir / "reactive" / "slow.py")
    before = snapshot(related)
    script = related.unit(UNIT).charm_dir / "impatient.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(LIB)!r})\n"
        "from charms.reactive import _main, _runtime\n"
        "with _runtime.activate(_runtime.Runtime.from_environ()) as rt:\n"
        "    _main.run_hook(rt, lock_timeout=0.2)\n"
    )
    record = related.exec(
        UNIT,
        "export JUJU_HOOK_NAME=update-status; hooks/update-status & first=$!; sleep 0.3; "
        f"{sys.executable} impatient.py; second=$?; wait $first; echo first=$? second=$second",
    )
    assert "first=0 second=1" in record.stdout, (record.stdout, record.stderr)
    assert "HookLockError: hook update-status: the unit state" in record.stderr
    assert "is locked by hook update-status (pid " in record.stderr
    after = snapshot(related)
    kv_before, kv_after = before[f"kv {UNIT}"], after[f"kv {UNIT}"]
    assert kv_after["subject.ticks"] == kv_before.get("subject.ticks", 0) + 1  # only the first
