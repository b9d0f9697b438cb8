"""The one place where charms.reactive talks to Juju.

:class:`HookContext` is what the hook environment says (read once per hook).
:class:`HookTools` is the protocol every call to a Juju hook tool goes through;
:class:`SubprocessHookTools` runs the real tools, each through a single ``_run()`` that
hands the command to a :data:`ToolRunner` (a process by default) and parses what it printed.
The Juju emulator supplies its own runner (in-process hooks) or its own tool executables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from charms.reactive.errors import HookContextError, HookToolError

__all__ = [
    "HookContext",
    "HookTools",
    "SubprocessHookTools",
    "ToolResult",
    "ToolRunner",
    "run_subprocess",
]


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "")
    return value or None


_CONTEXT_FIELDS = (
    "unit_name",
    "charm_dir",
    "hook_name",
    "relation_name",
    "relation_id",
    "remote_unit",
    "remote_app",
    "departing_unit",
    "model_name",
    "action_name",
    "state_db_path",
)


class HookContext:
    """What the hook environment says about the running hook (immutable).

    Empty variables count as missing (``None``), as Juju leaves some of them empty. A plain
    class rather than a dataclass: ``dataclasses`` costs several milliseconds at start-up.
    """

    __slots__ = _CONTEXT_FIELDS

    unit_name: str | None
    charm_dir: Path
    hook_name: str
    relation_name: str | None
    relation_id: str | None
    remote_unit: str | None
    remote_app: str | None
    departing_unit: str | None
    model_name: str | None
    action_name: str | None
    state_db_path: Path | None

    def __init__(
        self,
        unit_name: str | None,
        charm_dir: Path,
        hook_name: str,
        relation_name: str | None = None,
        relation_id: str | None = None,
        remote_unit: str | None = None,
        remote_app: str | None = None,
        departing_unit: str | None = None,
        model_name: str | None = None,
        action_name: str | None = None,
        state_db_path: Path | None = None,
    ) -> None:
        """Record the context; see the class attributes."""
        values = (
            unit_name,
            charm_dir,
            hook_name,
            relation_name,
            relation_id,
            remote_unit,
            remote_app,
            departing_unit,
            model_name,
            action_name,
            state_db_path,
        )
        for name, value in zip(_CONTEXT_FIELDS, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"HookContext is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"HookContext is immutable: cannot delete {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _CONTEXT_FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HookContext) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in _CONTEXT_FIELDS)
        return f"HookContext({args})"

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, argv0: str | None = None
    ) -> HookContext:
        """Read the context from ``JUJU_*`` variables.

        Args:
            environ: The environment (default ``os.environ``).
            argv0: Fallback for the hook name (default ``sys.argv[0]``), as Juju runs hooks
                as ``hooks/<name>``.

        Returns:
            The context. ``charm_dir`` falls back to the current directory.
        """
        env = os.environ if environ is None else environ
        charm_dir = Path(_env(env, "JUJU_CHARM_DIR") or _env(env, "CHARM_DIR") or os.getcwd())
        hook_name = _env(env, "JUJU_HOOK_NAME") or os.path.basename(
            argv0 if argv0 is not None else (sys.argv[0] if sys.argv else "")
        )
        remote_unit = _env(env, "JUJU_REMOTE_UNIT")
        remote_app = _env(env, "JUJU_REMOTE_APP")
        if remote_app is None and remote_unit is not None:
            remote_app = remote_unit.split("/")[0]
        relation_id = _env(env, "JUJU_RELATION_ID")
        relation_name = _env(env, "JUJU_RELATION")
        if relation_name is None and relation_id is not None:
            relation_name = relation_id.split(":")[0]
        state_db = _env(env, "UNIT_STATE_DB")
        return cls(
            unit_name=_env(env, "JUJU_UNIT_NAME"),
            charm_dir=charm_dir,
            hook_name=hook_name,
            relation_name=relation_name,
            relation_id=relation_id,
            remote_unit=remote_unit,
            remote_app=remote_app,
            departing_unit=_env(env, "JUJU_DEPARTING_UNIT"),
            model_name=_env(env, "JUJU_MODEL_NAME"),
            action_name=_env(env, "JUJU_ACTION_NAME"),
            state_db_path=Path(state_db) if state_db else charm_dir / ".unit-state.db",
        )

    @property
    def app_name(self) -> str | None:
        """The local application's name, from ``JUJU_UNIT_NAME``."""
        return self.unit_name.split("/")[0] if self.unit_name else None

    def require_unit(self) -> str:
        """Return the local unit name.

        Raises:
            HookContextError: ``JUJU_UNIT_NAME`` is not set.
        """
        if not self.unit_name:
            raise HookContextError("JUJU_UNIT_NAME is not set: not running in a Juju hook")
        return self.unit_name

    def require_relation(self) -> tuple[str, str]:
        """Return ``(relation name, relation id)`` of the running relation hook.

        Raises:
            HookContextError: The hook is not a relation hook.
        """
        if not self.relation_id or not self.relation_name:
            raise HookContextError(
                f"hook {self.hook_name!r} is not a relation hook "
                "(JUJU_RELATION / JUJU_RELATION_ID are not set)"
            )
        return self.relation_name, self.relation_id

    @property
    def is_departed_hook(self) -> bool:
        """Whether this is a ``<relation>-relation-departed`` hook."""
        return self.hook_name.endswith("-relation-departed")

    @property
    def is_broken_hook(self) -> bool:
        """Whether this is a ``<relation>-relation-broken`` hook."""
        return self.hook_name.endswith("-relation-broken")


class HookTools(Protocol):
    """The Juju hook tools charms.reactive uses; one method per tool."""

    def relation_get(self, relation_id: str, unit: str) -> dict[str, str]:
        """Return a unit's whole data bag (``relation-get --format=json -r RID - UNIT``)."""
        ...

    def relation_get_app(self, relation_id: str, app: str) -> dict[str, str]:
        """Return an application's data bag (``relation-get --format=json -r RID --app - APP``)."""
        ...

    def relation_set(
        self, relation_id: str, data: Mapping[str, str], *, app: bool = False
    ) -> None:
        """Write keys to the local unit's (or app's) bag; ``""`` deletes (``relation-set``)."""
        ...

    def relation_ids(self, relation_name: str) -> list[str]:
        """Return the ids of a relation (``relation-ids --format=json NAME``)."""
        ...

    def relation_list(self, relation_id: str) -> list[str]:
        """Return the remote units of a relation id (``relation-list --format=json -r RID``)."""
        ...

    def juju_log(self, message: str, level: str = "INFO") -> None:
        """Write to the unit's log (``juju-log -l LEVEL MESSAGE``)."""
        ...

    def config_get(self) -> dict[str, Any]:
        """Return the charm config (``config-get --all --format=json``)."""
        ...

    def is_leader(self) -> bool:
        """Return whether this unit is its application's leader (``is-leader --format=json``)."""
        ...


class ToolResult(NamedTuple):
    """What running one hook-tool command gave."""

    returncode: int
    stdout: str
    stderr: str


#: Runs one hook-tool command: ``(argv, stdin)`` in, :class:`ToolResult` out. It raises
#: :class:`~charms.reactive.errors.HookToolError` only when the command cannot be started.
ToolRunner = Callable[[Sequence[str], "str | None"], ToolResult]


def run_subprocess(argv: Sequence[str], stdin: str | None) -> ToolResult:
    """Run a hook tool as a process (the default :data:`ToolRunner`).

    Raises:
        HookToolError: The executable could not be started.
    """
    import subprocess  # lazily: not needed to import charms.reactive

    try:
        # errors="replace": a tool printing non-UTF-8 bytes gets a HookToolError (bad JSON)
        # rather than a UnicodeDecodeError naming no command.
        proc = subprocess.run(
            list(argv), input=stdin, capture_output=True, text=True, errors="replace", check=False
        )
    except OSError as err:
        raise HookToolError(argv, -1, f"cannot run {argv[0]}: {err.strerror}") from None
    return ToolResult(proc.returncode, proc.stdout, proc.stderr)


class SubprocessHookTools:
    """:class:`HookTools` running Juju's executables, all through :meth:`_run`.

    How a command runs is the ``runner``'s business (a process by default; the Juju
    emulator's in-process mode passes its own); building commands and parsing what they
    print happens here only.
    """

    def __init__(self, runner: ToolRunner | None = None) -> None:
        """Run tools with ``runner`` (default :func:`run_subprocess`)."""
        self.runner: ToolRunner = runner or run_subprocess

    def _run(self, *args: str, stdin: str | None = None, parse: bool = True) -> Any:
        """Run one hook tool and return its parsed JSON output.

        Raises:
            HookToolError: The tool could not start, exited non-zero, or printed bad JSON.
        """
        result = self.runner(args, stdin)
        if result.returncode != 0:
            raise HookToolError(args, result.returncode, result.stderr, result.stdout)
        if not parse:
            return None
        out = result.stdout.strip()
        if not out:
            return None
        import json  # lazily: not needed to import charms.reactive

        try:
            return json.loads(out)
        except ValueError:
            raise HookToolError(
                args, result.returncode, f"output is not JSON: {out[:200]!r}", result.stdout
            ) from None

    def relation_get(self, relation_id: str, unit: str) -> dict[str, str]:
        """Run ``relation-get --format=json -r RID - UNIT``."""
        return _as_bag(self._run("relation-get", "--format=json", "-r", relation_id, "-", unit))

    def relation_get_app(self, relation_id: str, app: str) -> dict[str, str]:
        """Run ``relation-get --format=json -r RID --app - APP``."""
        return _as_bag(
            self._run("relation-get", "--format=json", "-r", relation_id, "--app", "-", app)
        )

    def relation_set(
        self, relation_id: str, data: Mapping[str, str], *, app: bool = False
    ) -> None:
        """Run ``relation-set -r RID [--app] --file -`` with the keys as JSON on stdin."""
        args = ["relation-set", "-r", relation_id]
        if app:
            args.append("--app")
        args += ["--file", "-"]
        import json

        self._run(*args, stdin=json.dumps(dict(data), sort_keys=True), parse=False)

    def relation_ids(self, relation_name: str) -> list[str]:
        """Run ``relation-ids --format=json NAME``."""
        result = self._run("relation-ids", "--format=json", relation_name)
        return [str(rid) for rid in result or []]

    def relation_list(self, relation_id: str) -> list[str]:
        """Run ``relation-list --format=json -r RID``."""
        result = self._run("relation-list", "--format=json", "-r", relation_id)
        return [str(unit) for unit in result or []]

    def juju_log(self, message: str, level: str = "INFO") -> None:
        """Run ``juju-log -l LEVEL MESSAGE`` (with ``--`` first when MESSAGE starts with ``-``)."""
        if message.startswith("-"):
            self._run("juju-log", "-l", level, "--", message, parse=False)
        else:
            self._run("juju-log", "-l", level, message, parse=False)

    def config_get(self) -> dict[str, Any]:
        """Run ``config-get --all --format=json``."""
        result = self._run("config-get", "--all", "--format=json")
        return dict(result) if isinstance(result, dict) else {}

    def is_leader(self) -> bool:
        """Run ``is-leader --format=json``."""
        return bool(self._run("is-leader", "--format=json"))


def _as_bag(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HookToolError(["relation-get"], 0, f"expected a mapping, got {value!r:.200}")
    return {str(k): str(v) for k, v in value.items()}
