"""Logging fakes of the system tools charms call (``apt-get``, ``snap``, ``systemctl``...).

A charm's install and config hooks shell out to the machine's package and service managers,
which a test must not run for real. :class:`SystemToolStubs` writes one small executable per
tool into a directory that a model puts on its hooks' ``PATH`` (after the hook tools, before
the system's directories). Each fake appends its call (argv, unit, hook) to a log the test
reads with :meth:`SystemToolStubs.calls`, prints what the test asked it to print, and exits 0,
or with the exit code and error text the test set with :meth:`SystemToolStubs.fail`.

Nothing is ever stubbed silently: the fakes exist only for a model the test installed them
in (the pytest fixture ``system_tool_stubs`` does that for its ``model``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["DEFAULT_TOOLS", "PathHolder", "StubCall", "SystemToolStubs"]

#: The tools faked by default: Debian/Ubuntu packaging, snaps, and services.
DEFAULT_TOOLS = (
    "add-apt-repository",
    "apt-cache",
    "apt-get",
    "dpkg-query",
    "service",
    "snap",
    "systemctl",
)

# The fake itself: standard library only, started with -S so no site-packages are read.
_FAKE = """
import json, os, sys
here = os.path.dirname(os.path.abspath(sys.argv[0]))
tool = os.path.basename(sys.argv[0])
entry = {
    "tool": tool,
    "args": sys.argv[1:],
    "unit": os.environ.get("JUJU_UNIT_NAME", ""),
    "hook": os.environ.get("JUJU_HOOK_NAME", ""),
}
fd = os.open(os.path.join(here, "calls.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
try:
    os.write(fd, (json.dumps(entry) + "\\n").encode())
finally:
    os.close(fd)
try:
    with open(os.path.join(here, "behaviour", tool + ".json")) as handle:
        behaviour = json.load(handle)
except FileNotFoundError:
    behaviour = {}
sys.stdout.write(behaviour.get("stdout", ""))
sys.stderr.write(behaviour.get("stderr", ""))
sys.exit(int(behaviour.get("exit_code", 0)))
"""


class _PathHolder(Protocol):
    def add_path(self, directory: str | os.PathLike[str]) -> None:
        """Put ``directory`` on every hook's ``PATH``."""


class PathHolder(Protocol):
    """What the stubs need of a model: its core, which puts directories on hooks' ``PATH``."""

    @property
    def core(self) -> _PathHolder:
        """The model's core (:class:`~reactive_harness.core.ModelCore`)."""


@dataclass(frozen=True)
class StubCall:
    """One call of a faked tool.

    Attributes:
        tool: The tool's name (``apt-get``).
        args: Its arguments, without the tool's name.
        unit: The ``JUJU_UNIT_NAME`` of the hook that called it.
        hook: The ``JUJU_HOOK_NAME`` of that hook (empty for actions and ``exec``).
    """

    tool: str
    args: tuple[str, ...]
    unit: str
    hook: str


class SystemToolStubs:
    """Logging fakes of system tools, in one directory.

    Args:
        directory: Where the fakes and their log go (created).
        tools: The tools to fake (default :data:`DEFAULT_TOOLS`).
    """

    def __init__(
        self, directory: str | os.PathLike[str], tools: Iterable[str] = DEFAULT_TOOLS
    ) -> None:
        """Write the fakes into ``directory``."""
        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "behaviour").mkdir(exist_ok=True)
        self._tools: list[str] = []
        for tool in tools:
            self.add(tool)

    @property
    def tools(self) -> list[str]:
        """The faked tools."""
        return list(self._tools)

    def add(self, tool: str) -> None:
        """Fake one more tool (``"pip"``, ``"useradd"``...).

        Raises:
            ValueError: The name is not a plain file name.
        """
        if not tool or "/" in tool or tool in (".", ".."):
            raise ValueError(f"not a tool name: {tool!r}")
        path = self.directory / tool
        path.write_text(f"#!{sys.executable} -SE\n{_FAKE}", encoding="utf-8")
        path.chmod(0o755)
        if tool not in self._tools:
            self._tools.append(tool)

    def install(self, model: PathHolder) -> SystemToolStubs:
        """Put the fakes on the ``PATH`` of every later hook of ``model``; return ``self``."""
        model.core.add_path(self.directory)
        return self

    # -- behaviour -------------------------------------------------------------------------
    def _check(self, tool: str) -> None:
        if tool not in self._tools:
            known = ", ".join(self._tools) or "none"
            raise KeyError(f"{tool!r} is not faked (faked: {known}); add it with add({tool!r})")

    def _write(self, tool: str, behaviour: dict[str, object]) -> None:
        self._check(tool)
        path = self.directory / "behaviour" / f"{tool}.json"
        path.write_text(json.dumps(behaviour), encoding="utf-8")

    def fail(self, tool: str, exit_code: int = 1, stderr: str = "", stdout: str = "") -> None:
        """Make every later call of ``tool`` exit ``exit_code``, printing ``stderr``.

        Raises:
            KeyError: ``tool`` is not faked.
            ValueError: ``exit_code`` is 0 (use :meth:`respond`).
        """
        if exit_code == 0:
            raise ValueError("a failure needs a non-zero exit code; use respond() for output")
        self._write(tool, {"exit_code": exit_code, "stderr": stderr, "stdout": stdout})

    def respond(self, tool: str, stdout: str = "", stderr: str = "") -> None:
        """Make every later call of ``tool`` print ``stdout`` (and ``stderr``) and exit 0.

        Raises:
            KeyError: ``tool`` is not faked.
        """
        self._write(tool, {"exit_code": 0, "stderr": stderr, "stdout": stdout})

    def reset(self, tool: str | None = None) -> None:
        """Back to printing nothing and exiting 0 (for ``tool``, or every tool)."""
        for name in [tool] if tool is not None else self._tools:
            self._check(name)
            (self.directory / "behaviour" / f"{name}.json").unlink(missing_ok=True)

    # -- what was called -------------------------------------------------------------------
    @property
    def records(self) -> list[StubCall]:
        """Every call of every faked tool, in order."""
        log = self.directory / "calls.jsonl"
        if not log.exists():
            return []
        out = []
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            out.append(StubCall(entry["tool"], tuple(entry["args"]), entry["unit"], entry["hook"]))
        return out

    def calls(self, tool: str, *, unit: str | None = None) -> list[list[str]]:
        """Return the arguments of each call of ``tool`` (of ``unit``'s hooks, if given).

        Raises:
            KeyError: ``tool`` is not faked.
        """
        self._check(tool)
        return [
            list(call.args)
            for call in self.records
            if call.tool == tool and (unit is None or call.unit == unit)
        ]

    def clear(self) -> None:
        """Forget the calls made so far."""
        (self.directory / "calls.jsonl").unlink(missing_ok=True)
