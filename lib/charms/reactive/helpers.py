"""Memory across hooks (data and file hashes, handlers invoked) and hook-name matching.

The key-value keys are those of charms.reactive 1.x (``reactive.data_changed.<id>``,
``reactive.files_changed.<path>``, ``reactive.invoked.<id>``), so a charm upgraded from 1.x
keeps its memory. This module also exposes the deprecated state-named aliases 1.x layers
import from ``charms.reactive.helpers``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from charms.reactive import _runtime
from charms.reactive._compat import all_states, any_states, is_state, toggle_state
from charms.reactive._metadata import ROLES
from charms.reactive.errors import HookPatternError
from charms.reactive.flags import all_flags_set, any_flags_set

__all__ = [
    "all_flags_set",
    "all_states",
    "any_file_changed",
    "any_flags_set",
    "any_hook",
    "any_states",
    "check_hook_pattern",
    "data_changed",
    "data_hash",
    "expand_hook_patterns",
    "file_hash",
    "is_data_changed",
    "is_state",
    "mark_invoked",
    "toggle_state",
    "was_invoked",
]

DATA_PREFIX: Final = "reactive.data_changed."
FILES_PREFIX: Final = "reactive.files_changed."
INVOKED_PREFIX: Final = "reactive.invoked."

_ROLE_IFACE = re.compile(r"\{([^{}:,]*):([^{}:,]*)\}")
_ALTERNATIVES = re.compile(r"\{([^{}:]*)\}")


def data_hash(data: Any, hash_type: str = "md5") -> str:
    """Return the hash :func:`data_changed` stores: of ``data``'s sorted-keys JSON."""
    import hashlib  # lazily: hashlib loads OpenSSL, which costs start-up time
    import json

    text = json.dumps(data, sort_keys=True)
    return hashlib.new(hash_type, text.encode("utf8")).hexdigest()


def data_changed(data_id: str, data: Any, hash_type: str = "md5") -> bool:
    """Return whether ``data`` differs from what was last stored under ``data_id``; store it.

    Args:
        data_id: A name for the data, unique within the charm.
        data: Any JSON-serialisable value (compared by a hash of its sorted-keys JSON).
        hash_type: A ``hashlib`` algorithm name.
    """
    key = DATA_PREFIX + data_id
    kv = _runtime.current().kv
    new = data_hash(data, hash_type)
    changed = bool(kv.get(key) != new)
    kv.set(key, new)
    return changed


def is_data_changed(data_id: str, data: Any, hash_type: str = "md5") -> bool:
    """Return whether ``data`` differs from what is stored under ``data_id``; store nothing."""
    return bool(_runtime.current().kv.get(DATA_PREFIX + data_id) != data_hash(data, hash_type))


def file_hash(path: str, hash_type: str = "md5") -> str | None:
    """Return the hex digest of a file's contents, or None if it cannot be read."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.new(hash_type, fh.read()).hexdigest()
    except OSError:
        return None


def stored_file_hash(path: str) -> str | None:
    """Return the hash last recorded for ``path`` (None if never recorded or missing)."""
    value = _runtime.current().kv.get(FILES_PREFIX + path)
    return value if isinstance(value, str) else None


def record_file_hash(path: str, digest: str | None) -> None:
    """Record ``digest`` as the hash of ``path``."""
    _runtime.current().kv.set(FILES_PREFIX + path, digest)


def any_file_changed(filenames: Iterable[str | Callable[[], str]], hash_type: str = "md5") -> bool:
    """Return whether any file changed since the last call, recording every file's hash.

    Args:
        filenames: Paths, or callables returning a path (evaluated now).
        hash_type: A ``hashlib`` algorithm name.
    """
    changed = False
    for name in filenames:
        path = name() if callable(name) else name
        digest = file_hash(path, hash_type)
        if stored_file_hash(path) != digest:
            record_file_hash(path, digest)
            changed = True
    return changed


def was_invoked(invocation_id: str) -> bool:
    """Return whether :func:`mark_invoked` was called for ``invocation_id`` in any hook."""
    return bool(_runtime.current().kv.get(INVOKED_PREFIX + invocation_id, False))


def mark_invoked(invocation_id: str) -> None:
    """Remember (across hooks) that ``invocation_id`` was invoked."""
    _runtime.current().kv.set(INVOKED_PREFIX + invocation_id, True)


def check_hook_pattern(pattern: str) -> str | None:
    """Return what is wrong with a hook pattern, or None if it is well formed."""
    if not isinstance(pattern, str) or not pattern:
        return f"a hook pattern must be a non-empty string, got {pattern!r}"
    for role, interface in _ROLE_IFACE.findall(pattern):
        if role not in ROLES:
            return (
                f"{{{role}:{interface}}} in {pattern!r}: the role must be one of "
                f"{', '.join(ROLES)}"
            )
        if not interface:
            return f"{{{role}:}} in {pattern!r} names no interface"
    rest = _ALTERNATIVES.sub("", _ROLE_IFACE.sub("", pattern))
    if "{" in rest or "}" in rest:
        return f"unbalanced or nested braces in hook pattern {pattern!r}"
    return None


def expand_hook_patterns(patterns: Sequence[str]) -> list[str]:
    """Expand ``{role:interface}`` and ``{a,b}`` groups into plain hook names.

    ``{role:interface}`` becomes each relation name using that interface in that role (from
    metadata.yaml; none means the pattern matches nothing). ``{a,b}`` then becomes each
    alternative; several groups multiply.

    Raises:
        HookPatternError: A pattern is malformed (e.g. a role other than provides, requires
            or peers).
    """
    expanded: list[str] = []
    for pattern in patterns:
        problem = check_hook_pattern(pattern)
        if problem:
            raise HookPatternError(problem)
        values = [pattern]
        if _ROLE_IFACE.search(pattern):
            values = _expand(values, _ROLE_IFACE, _relations_for)
        expanded += _expand(values, _ALTERNATIVES, lambda m: m.group(1).split(","))
    return expanded


def _relations_for(match: re.Match[str]) -> list[str]:
    return _runtime.current().metadata.relations_for(match.group(1), match.group(2))


def _expand(
    values: list[str], pattern: re.Pattern[str], choices: Callable[[re.Match[str]], list[str]]
) -> list[str]:
    done: list[str] = []
    todo = list(values)
    while todo:
        value = todo.pop(0)
        match = pattern.search(value)
        if match is None:
            done.append(value)
            continue
        head, tail = value[: match.start()], value[match.end() :]
        todo[:0] = [head + choice + tail for choice in choices(match)]
    return done


def any_hook(*hook_patterns: str) -> bool:
    """Return whether the running hook matches one of ``hook_patterns`` (exact names).

    Raises:
        HookPatternError: A pattern is malformed.
    """
    return _runtime.current().context.hook_name in expand_hook_patterns(hook_patterns)
