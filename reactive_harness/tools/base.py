"""What every hook tool shares: Juju's flag syntax, output formats, errors and replies.

Flags follow juju/gnuflag as Juju's tools use it: ``-r 3``, ``-r3``, ``--relation 3``,
``--relation=3``, flags anywhere among the arguments, ``--`` ends the flags. A bad flag value
is reported as ``invalid value "<v>" for option <flag>: <reason>`` with exit code 2 (juju/cmd
returns 2 for errors found while parsing and in ``Init``, 1 for errors while running). Errors
are printed as ``ERROR <message>`` (juju/cmd ``WriteError``).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FORMAT_FLAGS",
    "Flag",
    "HelpRequestedError",
    "Reply",
    "ToolError",
    "check_empty",
    "format_value",
    "parse_args",
    "write_output",
]


class ToolError(Exception):
    """A hook tool fails: ``ERROR <message>`` on stderr and exit ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        """Record the message and exit code.

        Args:
            message: The error text, without the ``ERROR`` prefix.
            code: 2 for usage errors (parsing, ``Init``), 1 for errors while running.
        """
        super().__init__(message)
        self.message = message
        self.code = code


class HelpRequestedError(Exception):
    """``-h``/``--help`` was given."""


@dataclass(frozen=True)
class Reply:
    """A hook tool's result."""

    code: int = 0
    stdout: bytes = b""
    stderr: bytes = b""


@dataclass(frozen=True)
class Flag:
    """One flag of a tool.

    Attributes:
        names: Its names without dashes (``("r", "relation")``).
        dest: The key of its value in the parsed result.
        boolean: Whether it takes no value.
        default: Its value when not given.
        convert: Turns the text into the value; a ``ValueError`` becomes
            ``invalid value "<text>" for option <flag>: <error>``.
    """

    names: tuple[str, ...]
    dest: str
    boolean: bool = False
    default: Any = None
    convert: Callable[[str], Any] | None = None


def _check_format(value: str) -> str:
    if value not in ("json", "yaml", "smart"):
        raise ValueError(f"unknown format {value!r}".replace("'", '"'))
    return value


FORMAT_FLAGS = (
    Flag(("format",), "format", default="smart", convert=_check_format),
    Flag(("o", "output"), "output", default=""),
)


def _dashed(name: str) -> str:
    return f"-{name}" if len(name) == 1 else f"--{name}"


def _quote(text: str) -> str:
    # Go's %q: double quotes with backslash escapes.
    return json.dumps(text, ensure_ascii=False)


def parse_args(flags: Sequence[Flag], args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Parse ``args`` as gnuflag does (flags may follow positional arguments).

    Returns:
        The flag values by ``dest`` and the positional arguments.

    Raises:
        ToolError: An unknown flag, a missing or invalid value (exit code 2).
        HelpRequestedError: ``-h`` or ``--help``.
    """
    by_name = {name: flag for flag in flags for name in flag.names}
    values: dict[str, Any] = {flag.dest: flag.default for flag in flags}
    positional: list[str] = []
    pending = list(args)
    while pending:
        arg = pending.pop(0)
        if arg == "--":
            positional.extend(pending)
            break
        if arg in ("-", "") or not arg.startswith("-"):
            positional.append(arg)
            continue
        if arg.startswith("--"):
            name, eq, inline = arg[2:].partition("=")
            names = [(name, inline if eq else None)]
        else:
            # A run of single-letter flags; a flag taking a value takes the rest of the run.
            names = []
            rest = arg[1:]
            while rest:
                letter, rest = rest[0], rest[1:]
                flag = by_name.get(letter)
                if flag is not None and not flag.boolean and rest:
                    names.append((letter, rest.removeprefix("=")))
                    rest = ""
                else:
                    names.append((letter, None))
        for name, inline_value in names:
            flag = by_name.get(name)
            if flag is None:
                if name in ("h", "help"):
                    raise HelpRequestedError
                raise ToolError(f"option provided but not defined: {_dashed(name)}", 2)
            if flag.boolean:
                if inline_value is None or inline_value.lower() in ("1", "t", "true"):
                    values[flag.dest] = True
                elif inline_value.lower() in ("0", "f", "false"):
                    values[flag.dest] = False
                else:
                    raise ToolError(
                        f"invalid boolean value {_quote(inline_value)} for {_dashed(name)}", 2
                    )
                continue
            if inline_value is None:
                if not pending:
                    raise ToolError(f"option needs an argument: {_dashed(name)}", 2)
                inline_value = pending.pop(0)
            try:
                values[flag.dest] = flag.convert(inline_value) if flag.convert else inline_value
            except ValueError as err:
                raise ToolError(
                    f"invalid value {_quote(inline_value)} for option {_dashed(name)}: {err}", 2
                ) from None
    return values, positional


def check_empty(args: Sequence[str]) -> None:
    """Fail as juju/cmd ``CheckEmpty`` does when arguments are left over.

    Raises:
        ToolError: ``unrecognized args: ["x" "y"]`` (exit code 2).
    """
    if args:
        raise ToolError(f"unrecognized args: [{' '.join(_quote(a) for a in args)}]", 2)


class _GoYamlDumper(yaml.SafeDumper):
    """Dump YAML close to go-yaml: block style, ``|`` for multi-line text, quoted look-alikes."""


# The timestamps go-yaml reads back as timestamps (so quotes); PyYAML reads more of them.
_GO_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r"| [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?)?$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    try:
        loaded = yaml.safe_load(value) if value else value
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, datetime.date) and _GO_TIMESTAMP.match(value) is None:
        # Plain in go-yaml (2006-01-02 15:04:05Z); tagged as PyYAML reads it, so it is
        # written plain and untagged.
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    if value and not isinstance(loaded, str):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_GoYamlDumper.add_representer(str, _represent_str)


def _go_json(value: Any, sort_keys: bool = True) -> str:
    text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)
    # Go's encoding/json escapes these even outside HTML.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _yaml(value: Any, sort_keys: bool = True) -> str:
    text = yaml.dump(
        value,
        Dumper=_GoYamlDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=sort_keys,
    )
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text.rstrip("\n") + "\n"


def format_value(value: Any, fmt: str, *, sort_keys: bool = True) -> bytes:
    """Format a tool's result as juju/cmd does for ``json``, ``yaml`` or ``smart``.

    ``smart``: nothing for ``None``; text as is; ``True``/``False`` for booleans; one line
    per item for lists of text; YAML otherwise. Go sorts map keys but keeps a struct's fields
    in their declared order: pass ``sort_keys=False`` with mappings built in that order.
    """
    if fmt == "json":
        return (_go_json(value, sort_keys) + "\n").encode()
    if value is None:
        return b""
    if fmt == "smart":
        if isinstance(value, bool):
            return b"True\n" if value else b"False\n"
        if isinstance(value, (str, int, float)):
            return f"{value}\n".encode()
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return ("".join(f"{item}\n" for item in value)).encode()
    return _yaml(value, sort_keys).encode()


def write_output(
    options: dict[str, Any], value: Any, cwd: str, *, sort_keys: bool = True
) -> Reply:
    """Return the reply printing ``value`` with ``--format`` (or writing it to ``--output``)."""
    data = format_value(value, options.get("format") or "smart", sort_keys=sort_keys)
    target = options.get("output") or ""
    if target:
        Path(cwd, target).write_bytes(data)
        return Reply()
    return Reply(stdout=data)
