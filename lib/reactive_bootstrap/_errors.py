"""The one error the bootstrap raises."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BootstrapError"]


class BootstrapError(Exception):
    """Raised when the charm's dependencies cannot be installed on the unit.

    Attributes:
        cmd: The command that failed, if one did.
        stderr: Its standard error (pip's explanation), if any.
    """

    def __init__(self, message: str, *, cmd: Sequence[str] = (), stderr: str = "") -> None:
        super().__init__(message)
        self.cmd = tuple(cmd)
        self.stderr = stderr
