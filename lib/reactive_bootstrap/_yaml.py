"""The YAML subset charm-build writes into a built charm's ``layer.yaml``.

PyYAML cannot be used by the bootstrap: it is one of the things the bootstrap installs.
"""

from __future__ import annotations

import json
import re

__all__ = ["as_bool", "parse_simple_yaml"]

_Lines = list[tuple[int, str]]
#: Tags understood; with ``strict``, any other is refused.
_TAGS = frozenset({"!!bool", "!!int", "!!str"})
#: Characters that cannot start a plain scalar this parser reads as a string.
_INDICATORS = frozenset("[]{}&*|>!%@`")


def parse_simple_yaml(text: str, *, strict: bool = False) -> object:
    """Parse the YAML subset that charm-build writes into ``layer.yaml``.

    Supported: block mappings and sequences, ``[]``/``{}`` and one-line flow lists of
    scalars, plain, single- and double-quoted scalars, ``!!bool``/``!!int``/``!!str`` tags
    and comments. Mappings inside sequences and bad indentation raise ValueError.

    Other YAML (flow mappings, nested flow lists, anchors, aliases, block scalars, other
    tags) is read leniently, its scalar text kept as a string: the bootstrap reads only its
    own section, and must not fail on what another layer's options hold. With ``strict``
    it raises ValueError instead, never returning a misread value, so that a caller with
    PyYAML at hand (``charms.layer.options``) can hand such text to it.
    """
    lines: _Lines = []
    for raw in text.splitlines():
        stripped = _strip_comment(raw).rstrip()
        if stripped.strip() and stripped.strip() != "---":
            lines.append((len(stripped) - len(stripped.lstrip(" ")), stripped.strip()))
    if not lines:
        return None
    value, index = _parse_block(lines, 0, lines[0][0], strict)
    if index != len(lines):
        raise ValueError(f"unexpected line: {lines[index][1]!r}")
    return value


def as_bool(value: object) -> bool:
    """Read a YAML-ish boolean: ``true``/``yes``/``on``/``1`` (any case) or a truthy value."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "on", "1"}
    return bool(value)


def _strip_comment(line: str) -> str:
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def _parse_block(lines: _Lines, index: int, indent: int, strict: bool) -> tuple[object, int]:
    if lines[index][1].startswith("- ") or lines[index][1] == "-":
        return _parse_sequence(lines, index, indent, strict)
    return _parse_mapping(lines, index, indent, strict)


def _parse_sequence(lines: _Lines, index: int, indent: int, strict: bool) -> tuple[object, int]:
    items: list[object] = []
    while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("-"):
        rest = lines[index][1][1:].strip()
        index += 1
        if rest:
            if _split_key(rest) is not None:
                raise ValueError(f"mappings inside sequences are not supported: {rest!r}")
            items.append(_scalar(rest, strict))
        elif index < len(lines) and lines[index][0] > indent:
            value, index = _parse_block(lines, index, lines[index][0], strict)
            items.append(value)
        else:
            items.append(None)
    return items, index


def _parse_mapping(lines: _Lines, index: int, indent: int, strict: bool) -> tuple[object, int]:
    result: dict[str, object] = {}
    while index < len(lines) and lines[index][0] == indent:
        pair = _split_key(lines[index][1])
        if pair is None:
            raise ValueError(f"expected 'key: value', got {lines[index][1]!r}")
        key, rest = pair
        index += 1
        if rest:
            result[key] = _scalar(rest, strict)
        elif index < len(lines) and (
            lines[index][0] > indent
            or (lines[index][0] == indent and lines[index][1].startswith("- "))
        ):
            result[key], index = _parse_block(lines, index, lines[index][0], strict)
        else:
            result[key] = None
    if index < len(lines) and lines[index][0] > indent:
        raise ValueError(f"bad indentation: {lines[index][1]!r}")
    return result, index


def _split_key(text: str) -> tuple[str, str] | None:
    if text[:1] in "'\"":
        end = text.find(text[0], 1)
        if end > 0 and text[end + 1 : end + 2] == ":":
            return text[1:end], text[end + 2 :].strip()
        return None
    match = re.match(r"([^:\s][^:]*?):(?:\s+(.*))?$", text)
    if match is None or text.startswith(("[", "{")):
        return None
    return match.group(1), (match.group(2) or "").strip()


def _scalar(text: str, strict: bool) -> object:
    tag = ""
    if text.startswith("!!"):
        tag, _, text = text.partition(" ")
        text = text.strip()
        if strict and tag not in _TAGS:
            raise ValueError(f"unsupported tag {tag!r}")
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(item.strip(), strict) for item in _split_flow(inner)] if inner else []
    if text == "{}":
        return {}
    if len(text) >= 2 and text[0] == text[-1] == '"':
        value: object = json.loads(text)
    elif len(text) >= 2 and text[0] == text[-1] == "'":
        value = text[1:-1].replace("''", "'")
    elif tag == "!!str":
        value = text
    elif strict and text[:1] in _INDICATORS:
        # flow mappings, nested flow lists, anchors, aliases, block scalars, other tags:
        # refused rather than read as strings, so that callers can hand the text to PyYAML
        raise ValueError(f"unsupported YAML: {text!r}")
    else:
        value = _plain(text)
    if tag == "!!bool":
        return as_bool(value)
    if tag == "!!int":
        return int(str(value))
    return value


def _plain(text: str) -> object:
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"null", "~"}:
        return None
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return text


def _split_flow(inner: str) -> list[str]:
    items, current, quote = [], "", ""
    for char in inner:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return items
