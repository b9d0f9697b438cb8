"""All or nothing, for real: the eight holes of issue 16, each shown closed in the emulator.

The fixture charm (``tests/data/aon_charm``) is assembled as charm-build would and runs as
processes (real kills), related to a hook-less remote application whose data the tests set.
Its ``behaviour`` option picks what ``config-changed`` does.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.charm_assembly import REPO, assemble
from helpers.reliability import snapshot
from reactive_harness import Model, SubprocessExecutor
from reactive_harness.inprocess import InProcessExecutor

UNIT = "aon/0"
REL = "aon:db remote:db"
TRIED: list[str] = []


@pytest.fixture
def aon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_charm) -> Iterator[Model]:
    python_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{python_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    charm = assemble(REPO / "tests" / "data" / "aon_charm", tmp_path / "charms" / "aon")
    template = (REPO / "hooks" / "hook.template").read_text()
    for kind in ("created", "joined", "changed", "departed", "broken"):
        hook = charm / "hooks" / f"db-relation-{kind}"
        hook.write_text(template)
        hook.chmod(0o755)
    remote = make_charm("remote", provides={"db": "aon-db"})
    # The scene is set in-process (the same lib, no process per hook); the tests run every
    # hook as a process, as Juju does: they kill hooks and fork children.
    with Model(tmp_path / "model", fail_fast=False, executor=InProcessExecutor()) as model:
        model.deploy(charm, "aon")
        model.deploy(remote, "remote", num_units=2)
        model.relate("aon:db", "remote:db")
        model.set_relation_data(REL, "remote/0", {"value": "0"})
        assert model.unit(UNIT).error is None
        model.engine.executor = SubprocessExecutor()
        yield model


def charm_dir(model: Model) -> Path:
    return model.unit(UNIT).charm_dir


def kv(model: Model) -> dict[str, object]:
    """The unit's store, without the record of the last commit (a random serial)."""
    return {
        k: v
        for k, v in model.unit_kv(UNIT).items()
        if k != "reactive.last_commit" and not k.startswith("reactive.notified.")
    }


def committed_bag(model: Model) -> dict[str, str]:
    return model.relation_data(REL, UNIT)


def calls(record) -> list[tuple[str, ...]]:
    return [c.argv for c in record.tool_calls]


# -- 1. executable handlers ------------------------------------------------------------------


def test_an_executable_handler_sees_and_changes_the_hooks_uncommitted_state(aon: Model):
    aon.set_config("aon", {"behaviour": "ext"})

    assert {"aon.ext.go", "aon.ext.done", "aon.after-ext"} <= aon.unit(UNIT).flags
    record = aon.unit(UNIT).records[-1]
    assert ("status-set", "maintenance", "the executable handler ran") in calls(record)


@pytest.mark.parametrize("kind", ["kill", "term"])
def test_a_kill_during_or_after_an_executable_handler_leaves_nothing(aon: Model, kind: str):
    """SIGKILL / SIGTERM at every tool call from the executable handler's on: nothing is
    committed."""
    aon.set_config("aon", {"behaviour": "ext-dry"})  # learn the hook's calls
    dry = aon.unit(UNIT).records[-1]
    first = calls(dry).index(("status-set", "maintenance", "the executable handler ran")) + 1
    kills = 0
    for call in range(first, len(dry.tool_calls) + 1):
        _clear_ext_flags(aon)
        before, flags = snapshot(aon), aon.unit(UNIT).flags
        aon.inject_fault(UNIT, call=call, kind=kind)
        aon.set_config("aon", {"behaviour": f"ext-{call}"})
        failed = aon.unit(UNIT).error
        assert failed is not None, (call, calls(aon.records[-1]))
        assert failed.killed
        kills += 1
        assert snapshot(aon) == before, f"partial state after a kill at call {call}"
        assert aon.unit(UNIT).flags == flags
        aon.resolve(UNIT)  # skip it (juju resolved --no-retry): its effects are wholly absent
        assert "aon.ext.done" not in aon.unit(UNIT).flags
    TRIED.append(f"{kills} {kind} faults during or after an executable handler")
    assert kills >= 3


def _clear_ext_flags(model: Model) -> None:
    record = model.exec(
        UNIT,
        "for f in aon.ext.go aon.ext.done aon.after-ext; do "
        "$CHARM_DIR/bin/charms.reactive clear_flag $f; done",
    )
    assert record.exit_code == 0, record.stderr


# -- 2. killed after the commit, before the exit ----------------------------------------------


def _block_done(model: Model) -> Path:
    """Make ``.done`` unwritable: a kill "lost" then lands between the commit and it."""
    done = Path(f"{charm_dir(model) / '.unit-state.db'}.done")
    done.unlink(missing_ok=True)
    done.mkdir()
    return done


@pytest.mark.parametrize("resolution", ["retry", "no-retry"])
def test_a_hook_killed_after_its_commit_loses_no_write_and_counts_nothing_twice(
    aon: Model, resolution: str
):
    answers = aon.unit(UNIT).kv("aon.answers").get("aon.answers", 0)
    done = _block_done(aon)
    aon.inject_fault(UNIT, kind="lost")
    aon.set_relation_data(REL, "remote/1", {"value": "7"})
    failed = aon.unit(UNIT).error
    assert failed is not None
    assert failed.hook == "db-relation-changed"
    # The store holds the hook's effects, Juju discarded its writes.
    assert kv(aon)["aon.answers"] == answers + 1
    assert committed_bag(aon).get("answer") != "got-7"
    done.rmdir()

    if resolution == "retry":
        retried = aon.retry(UNIT)
        assert retried.exit_code == 0, retried.stderr
        # The retry sent the writes again and did not run the handlers a second time.
        rid = aon.relation(REL).key("aon")
        assert calls(retried)[:2] == [
            ("relation-get", "--format=json", "-r", rid, "-", UNIT),
            ("relation-set", "-r", rid, "--file", "-"),
        ]
    else:
        aon.resolve(UNIT)  # juju resolved --no-retry: the next hook sends them again
        aon.update_status("aon")
    assert committed_bag(aon)["answer"] == "got-7"
    assert kv(aon)["aon.answers"] == answers + 1
    TRIED.append(f"killed after the commit, then {resolution}")


def test_a_hook_that_exits_normally_costs_no_check(aon: Model):
    aon.set_relation_data(REL, "remote/1", {"value": "8"})
    aon.update_status("aon")

    record = aon.unit(UNIT).records[-1]
    assert record.hook == "update-status"
    assert record.tool_counts["relation-get"] == 0


# -- 3. charm code's flush ---------------------------------------------------------------------


def test_charm_code_flushing_the_store_commits_nothing_early(aon: Model):
    before = kv(aon)
    aon.set_config("aon", {"behaviour": "flush-then-fail"})

    assert aon.unit(UNIT).error is not None
    assert kv(aon) == before  # the flush before the failure committed nothing
    aon.resolve(UNIT)
    aon.set_config("aon", {"behaviour": "flush"})
    assert kv(aon)["aon.flushed"] == "flush"  # and a successful hook commits it
    trace = (charm_dir(aon) / ".unit-state.trace.json").read_text()
    assert "unitdata.kv().flush() 1 time(s): deferred to the commit" in trace


# -- 4. secrets on disk -----------------------------------------------------------------------


def test_state_files_are_private_and_the_trace_keeps_no_error_text(aon: Model):
    old = os.umask(0o022)
    try:
        aon.set_config("aon", {"behaviour": "secret"})
    finally:
        os.umask(old)
    failed = aon.unit(UNIT).error
    assert failed is not None
    assert "password=hunter2" in failed.stderr  # the hook's own stderr (and the juju log)
    trace = charm_dir(aon) / ".unit-state.trace.json"
    assert "hunter2" not in trace.read_text()
    assert "RuntimeError (message in the juju log" in trace.read_text()
    for name in (".unit-state.db", ".unit-state.trace.json", ".unit-state.db.lock",
                 ".unit-state.db.done", ".unit-state.db.committed"):  # fmt: skip
        mode = (charm_dir(aon) / name).stat().st_mode & 0o777
        assert mode == 0o600, (name, oct(mode))


# -- 5. the command line while a hook runs ------------------------------------------------------


@contextlib.contextmanager
def slow_hook(model: Model, behaviour: str) -> Iterator[None]:
    """Run config-changed (``slow:...``) in a thread; yield once it holds the state lock."""
    thread = threading.Thread(target=model.set_config, args=("aon", {"behaviour": behaviour}))
    thread.start()
    lock = Path(f"{charm_dir(model) / '.unit-state.db'}.lock")
    deadline = time.monotonic() + 30
    while "hook config-changed" not in lock.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield
    finally:
        thread.join()


def cli(model: Model, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``bin/charms.reactive`` by full path, as in ``juju ssh``: no hook environment."""
    base = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        [str(charm_dir(model) / "bin" / "charms.reactive"), *args],
        env=base,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_cli_reads_while_a_hook_runs_and_writes_wait_with_a_clear_error(aon: Model):
    flags = aon.unit(UNIT).flags
    with slow_hook(aon, "slow:3"):
        start = time.monotonic()
        read = cli(aon, "get_flags")
        took = time.monotonic() - start
        write = cli(aon, "set_flag", "from.cli", CHARMS_REACTIVE_LOCK_TIMEOUT="0.3")
    assert read.returncode == 0, read.stderr
    assert set(read.stdout.split()) == flags  # the last committed state, not the hook's
    assert took < 2.5, "a read waited for the hook"
    assert write.returncode == 2
    lines = write.stderr.strip().splitlines()
    assert len(lines) == 1, write.stderr
    assert "is locked by hook config-changed (pid " in lines[0]
    assert "aon.slow" in aon.unit(UNIT).flags
    assert "from.cli" not in aon.unit(UNIT).flags


def test_a_cli_write_made_during_a_failing_hook_is_not_wiped(aon: Model):
    with slow_hook(aon, "slow:1:fail"):
        write = cli(aon, "set_flag", "from.cli")  # waits for the hook, then commits
    assert aon.unit(UNIT).error is not None  # the hook failed and rolled back
    assert write.returncode == 0, write.stderr
    assert "from.cli" in aon.unit(UNIT).flags
    assert "aon.slow" not in aon.unit(UNIT).flags


# -- 6. a forked child ---------------------------------------------------------------------------


def test_a_forked_child_that_exits_with_sys_exit_commits_nothing(aon: Model):
    aon.set_config("aon", {"behaviour": "fork"})  # the child sleeps 1.5 s, then sys.exit(0)
    aon.update_status("aon")
    ticks = kv(aon)["aon.ticks"]
    time.sleep(2.5)  # the child has ended

    assert kv(aon)["aon.ticks"] == ticks
    trace = (charm_dir(aon) / ".unit-state.trace.json").read_text()
    assert '"hook": "update-status"' in trace  # not overwritten by the child
    aon.update_status("aon")
    assert aon.unit(UNIT).error is None


# -- 7. a state database lost, or too new --------------------------------------------------------


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_a_lost_state_db_is_a_loud_error_not_a_fresh_start(aon: Model, how: str):
    db = charm_dir(aon) / ".unit-state.db"
    if how == "emptied":
        db.write_bytes(b"")
    else:
        db.unlink()
    aon.update_status("aon")

    failed = aon.unit(UNIT).error
    assert failed is not None
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert lines[0].startswith(f"UnitStateError: the unit state {db} ")
    assert "hooks committed to it before" in lines[0]
    TRIED.append(f"state db {how}")


def test_a_state_db_from_a_newer_layer_refuses_to_run(aon: Model):
    db = charm_dir(aon) / ".unit-state.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 99")
        conn.commit()
    aon.update_status("aon")

    failed = aon.unit(UNIT).error
    assert failed is not None
    assert "written by a newer version of the reactive base layer (schema 99" in failed.stderr


# -- 8. smaller ones -----------------------------------------------------------------------------


def test_a_full_disk_for_the_trace_fails_nothing_and_leaves_no_temporary_file(aon: Model):
    tmp = charm_dir(aon) / ".unit-state.trace.json.tmp"
    tmp.symlink_to("/dev/full")
    aon.set_config("aon", {"behaviour": "disk"})

    record = aon.unit(UNIT).records[-1]
    assert record.exit_code == 0
    assert "cannot save the trace" in record.stderr
    assert "No space left on device" in record.stderr
    assert not [p for p in charm_dir(aon).iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_for_the_lock_is_one_line_naming_the_file(aon: Model):
    lock = Path(f"{charm_dir(aon) / '.unit-state.db'}.lock")
    lock.unlink()
    lock.symlink_to("/dev/full")
    aon.update_status("aon")

    failed = aon.unit(UNIT).error
    assert failed is not None
    assert failed.stderr.strip() == (
        f"UnitStateError: cannot write the lock file {lock}: No space left on device"
    )


def test_a_value_that_is_not_json_names_its_key(aon: Model):
    db = charm_dir(aon) / ".unit-state.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("REPLACE INTO kv VALUES ('reactive.states.bad', 'not {json')")
        conn.commit()
    aon.update_status("aon")

    failed = aon.unit(UNIT).error
    assert failed is not None
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert f"the unit state {db}: the value of 'reactive.states.bad' is not JSON" in lines[0]


def test_writes_in_a_broken_hook_cost_no_log_call(aon: Model):
    rid = aon.relation(REL).key("aon")
    aon.unrelate(REL)  # the interface's -broken handler calls set_remote five times

    broken = [r for r in aon.unit(UNIT).records if r.hook == "db-relation-broken"][-1]
    assert broken.exit_code == 0, broken.stderr
    assert broken.tool_counts["juju-log"] <= 2  # the hook's closing summary and trace only
    assert broken.tool_counts["relation-set"] == 0
    trace = (charm_dir(aon) / ".unit-state.trace.json").read_text()
    assert f"not sent to {rid} (being broken): a" in trace
