"""The exceptions raised by the Juju emulator.

Every error raised on purpose derives from :class:`HarnessError`; its message names the
application, unit, endpoint, relation or file involved, so a bad test setup fails with a
sentence instead of a traceback from deep inside the emulator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reactive_harness.records import HookRecord

__all__ = [
    "CharmBuildError",
    "CharmError",
    "ConfigError",
    "HarnessError",
    "HookFailedError",
    "InterfaceMismatchError",
    "ScenarioError",
    "SettleLimitError",
    "UnitInErrorError",
    "UnknownApplicationError",
    "UnknownEndpointError",
    "UnknownRelationError",
    "UnknownUnitError",
]


class HarnessError(Exception):
    """Root of every error raised on purpose by the emulator."""


class CharmBuildError(HarnessError):
    """charm-build failed, or charm-tools or the wheels for it could not be installed.

    Attributes:
        cmd: The command that failed.
        returncode: Its exit status (charm-build: 1 build error, 200 proof errors).
        output: Its combined stdout and stderr.
    """

    def __init__(self, cmd: Sequence[str], returncode: int, output: str) -> None:
        self.cmd = tuple(cmd)
        self.returncode = returncode
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-40:])
        super().__init__(f"{' '.join(self.cmd)} exited {returncode}:\n{tail}")


class CharmError(HarnessError):
    """A charm directory is unusable: no hooks, or a malformed metadata/config/actions file."""


class ConfigError(HarnessError):
    """A config value is unknown to config.yaml or has the wrong type."""


class UnknownApplicationError(HarnessError):
    """No application of that name is deployed."""


class UnknownUnitError(HarnessError):
    """No unit of that name exists."""


class UnknownEndpointError(HarnessError):
    """The application's metadata.yaml declares no such endpoint, or it is ambiguous."""


class InterfaceMismatchError(HarnessError):
    """Two endpoints cannot be related: interfaces or roles do not match."""


class UnknownRelationError(HarnessError):
    """No relation matches the given id or endpoints."""


class UnitInErrorError(HarnessError):
    """An operation needs a unit that is not in error (or one that is)."""


class ScenarioError(HarnessError):
    """A scenario file is malformed; the message names the step."""


class SettleLimitError(HarnessError):
    """Hooks kept firing beyond the bound: a loop between units.

    Attributes:
        limit: The bound that was reached.
        recent: The most recent ``(unit, hook)`` pairs, most frequent first.
    """

    def __init__(self, limit: int, recent: Sequence[tuple[str, str, int]]) -> None:
        """Record the bound and what kept firing.

        Args:
            limit: How many hooks ran before giving up.
            recent: ``(unit, hook, count)`` for the hooks that fired most in the last stretch.
        """
        self.limit = limit
        self.recent = list(recent)
        detail = ", ".join(f"{unit} {hook} x{count}" for unit, hook, count in self.recent)
        super().__init__(f"model did not settle after {limit} hooks; still firing: {detail}")


class HookFailedError(HarnessError):
    """A hook exited non-zero while settling (raised when the model fails fast).

    Attributes:
        record: The failed hook's record.
    """

    def __init__(self, record: HookRecord) -> None:
        """Record the failed hook.

        Args:
            record: The failed hook's record.
        """
        self.record = record
        tail = (record.stderr or record.stdout).strip().splitlines()[-15:]
        detail = ("\n    " + "\n    ".join(tail)) if tail else ""
        super().__init__(
            f"hook {record.hook!r} of unit {record.unit} failed with exit code "
            f"{record.exit_code}{detail}"
        )
