"""An in-memory HookTools for unit tests of lib modules (the seam, not a mock of our code).

Functional tests use the Juju emulator instead; this fake only records calls and serves bags.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charms.reactive.errors import HookToolError
from charms.reactive.juju import HookContext


@dataclass
class FakeHookTools:
    """Serve relation data from dicts and record every call as ``(tool, args)``."""

    local_unit: str = "local/0"
    #: relation id -> unit or app name -> bag
    bags: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    #: relation id -> remote units (what relation-list returns)
    units: dict[str, list[str]] = field(default_factory=dict)
    #: relation name -> ids (what relation-ids returns)
    ids: dict[str, list[str]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    leader: bool = True
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)

    def count(self, tool: str) -> int:
        """Return how many times ``tool`` (e.g. ``"relation-get"``) was called."""
        return Counter(name for name, _ in self.calls)[tool]

    def _check_rid(self, tool: str, relation_id: str) -> None:
        if relation_id not in self.bags and relation_id not in self.units:
            raise HookToolError(
                [tool, "-r", relation_id], 2, f'ERROR invalid value "{relation_id}" for option -r'
            )

    def relation_get(self, relation_id: str, unit: str) -> dict[str, str]:
        self.calls.append(("relation-get", (relation_id, unit)))
        self._check_rid("relation-get", relation_id)
        return dict(self.bags.get(relation_id, {}).get(unit, {}))

    def relation_get_app(self, relation_id: str, app: str) -> dict[str, str]:
        self.calls.append(("relation-get", (relation_id, "--app", app)))
        self._check_rid("relation-get", relation_id)
        return dict(self.bags.get(relation_id, {}).get(app, {}))

    def relation_set(
        self, relation_id: str, data: Mapping[str, str], *, app: bool = False
    ) -> None:
        self.calls.append(("relation-set", (relation_id, dict(data), app)))
        self._check_rid("relation-set", relation_id)
        owner = self.local_unit.split("/")[0] if app else self.local_unit
        bag = self.bags.setdefault(relation_id, {}).setdefault(owner, {})
        for key, value in data.items():
            if value == "":
                bag.pop(key, None)
            else:
                bag[key] = value

    def relation_ids(self, relation_name: str) -> list[str]:
        self.calls.append(("relation-ids", (relation_name,)))
        return list(self.ids.get(relation_name, []))

    def relation_list(self, relation_id: str) -> list[str]:
        self.calls.append(("relation-list", (relation_id,)))
        self._check_rid("relation-list", relation_id)
        return list(self.units.get(relation_id, []))

    def juju_log(self, message: str, level: str = "INFO") -> None:
        self.calls.append(("juju-log", (level, message)))
        self.log.append((level, message))

    def config_get(self) -> dict[str, Any]:
        self.calls.append(("config-get", ()))
        return dict(self.config)

    def is_leader(self) -> bool:
        self.calls.append(("is-leader", ()))
        return self.leader


def make_context(charm_dir: Path, hook_name: str = "update-status", **env: str) -> HookContext:
    """Build a HookContext as Juju's environment would give it.

    Keyword arguments are ``JUJU_*`` variable names without the prefix, lower case
    (``relation_id="db:1"``, ``remote_unit="mysql/0"``).
    """
    environ = {
        "JUJU_UNIT_NAME": "local/0",
        "JUJU_CHARM_DIR": str(charm_dir),
        "JUJU_HOOK_NAME": hook_name,
        "UNIT_STATE_DB": str(charm_dir / ".unit-state.db"),
    }
    environ.update({f"JUJU_{k.upper()}": v for k, v in env.items()})
    return HookContext.from_environ(environ)


def close_kv(rt: Any) -> None:
    """Roll back and close a runtime's store, and forget charmhelpers' singleton.

    A real hook's process ends with the hook; tests run many runtimes in one process, and an
    unclosed sqlite connection is a ResourceWarning (an error under ``-W error``) on 3.13.
    """
    if rt.kv_opened:
        rt.kv.close()  # rolls back; forgets charmhelpers' singleton if it is this store
