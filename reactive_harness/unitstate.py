"""Read a unit's reactive state (flags and key-value data) without importing the lib.

charmhelpers' ``unitdata`` keeps a SQLite table ``kv(key TEXT PRIMARY KEY, data TEXT)`` with
JSON values; charms.reactive stores each flag under ``reactive.states.<flag>``. The file is
opened read-only, so a test can look while the model is idle.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["FLAG_PREFIX", "read_flags", "read_kv"]

FLAG_PREFIX = "reactive.states."


def read_kv(db: Path, prefix: str = "") -> dict[str, Any]:
    """Return every key starting with ``prefix`` and its JSON-decoded value.

    A missing database reads as empty.
    """
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            rows = conn.execute("SELECT key, data FROM kv").fetchall()
        except sqlite3.OperationalError:
            return {}
    finally:
        conn.close()
    out: dict[str, Any] = {}
    for key, data in rows:
        if not str(key).startswith(prefix):
            continue
        try:
            out[str(key)] = json.loads(data)
        except (TypeError, ValueError):
            out[str(key)] = data
    return out


def read_flags(db: Path) -> frozenset[str] | None:
    """Return the set flags, or ``None`` when the unit has no state database yet."""
    if not db.exists():
        return None
    return frozenset(key[len(FLAG_PREFIX) :] for key in read_kv(db, FLAG_PREFIX))
