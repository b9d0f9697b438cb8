"""The ``charms.reactive`` command line, for executable (bash) handlers and operators.

``charms.reactive [--format FMT | -r -j -p -y -c -t] <subcommand> [args]``: the output
options go before the subcommand (as in 1.x) or after it (``charms.reactive trace --format
json``; given in both places, the later one wins). Options use underscores as in 1.x
(``--value``, ``--when_not``, ``--relation_name``). Three kinds of subcommands:

* actions print nothing (``set_flag``, ``clear_flag``, ``mark_invoked``, ...);
* predicates answer with the exit code only: 0 true, 1 false (``is_flag_set``, ``when``, ...);
* queries print a value: in the raw format (default) a list is one item per line and any
  other value its ``str()``, without a trailing newline, as 1.x printed them.

Errors exit with 2 and a message on stderr (so they cannot be mistaken for "false").

Inside a hook (an executable handler, through ``bin/charms.reactive``) each command runs in
the hook's own process, on its uncommitted state (:func:`execute`); nothing is committed
until the hook succeeds. Outside hooks (``juju exec``, ``juju ssh``) the commands work on the
unit's store (``UNIT_STATE_DB``, else ``$CHARM_DIR/.unit-state.db``): reads see the last
committed state without waiting, even while a hook runs; writes wait for the state lock
(``LOCK_TIMEOUT``), then commit.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

from charms.reactive import _conditions, _hookproto, _runtime, flags, helpers, trace
from charms.reactive._handlers import STATE_WATCH_KEY
from charms.reactive._lock import state_lock
from charms.reactive.errors import ReactiveError

__all__ = ["FORMATS", "LOCK_TIMEOUT", "WRITERS", "execute", "main", "run_tests"]

FORMATS: Final = ("raw", "json", "py", "yaml", "csv", "tab")
_FLAG_TESTS: Final = ("when", "when_all", "when_any", "when_not", "when_none", "when_not_all")
_TRUE: Final = ("1", "true", "yes", "on", "y", "t")
_FALSE: Final = ("0", "false", "no", "off", "n", "f", "")


class _Predicate:
    """Marks a result to be reported by the exit code."""

    def __init__(self, value: bool) -> None:
        self.value = value


class _NoOutput:
    """Marks a command that prints nothing."""


_NOTHING: Final = _NoOutput()


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ReactiveError(f"not a boolean: {text!r} (use true/false, yes/no, 1/0)")


def _phase_is(phase: str) -> bool:
    return _conditions.current_phase(_runtime.current()) == phase


def _flag_test(kind: str, desired: Sequence[str]) -> bool:
    if not _phase_is("other"):
        return False
    if kind in ("when", "when_all"):
        return flags.all_flags_set(*desired)
    if kind == "when_any":
        return flags.any_flags_set(*desired)
    if kind in ("when_not", "when_none"):
        return not flags.any_flags_set(*desired)
    return not flags.all_flags_set(*desired)


def _hook_test(patterns: Sequence[str]) -> bool:
    return _phase_is("hooks") and helpers.any_hook(*patterns)


def run_tests(*handler_specs: str) -> str:
    """Apply the tests of each handler spec; return the names of those that pass, comma-joined.

    A spec is one shell-quoted string ``'NAME ID [TEST ARGS]...'`` where ARGS may be quoted
    further, e.g. ``'foo foo_id when "a b" when_not c'`` (what ``charms.reactive.sh`` builds).
    A handler with flag tests passes, after the first iteration of a dispatch, only if one of
    its flags changed in the previous iteration (``reactive.state_watch``), as in 1.x.

    Raises:
        ReactiveError: A spec is malformed or names an unknown test.
    """
    watch = _runtime.current().kv.get(STATE_WATCH_KEY) or {}
    passed: list[str] = []
    for spec in handler_specs:
        parts = shlex.split(spec)
        if len(parts) < 2 or len(parts) % 2:
            raise ReactiveError(f"malformed handler spec {spec!r}: want 'NAME ID [TEST ARGS]...'")
        name, handler_id = parts[0], parts[1]
        ok = True
        watched: set[str] = set()
        for test, raw_args in zip(parts[2::2], parts[3::2], strict=True):
            args = shlex.split(raw_args)
            if test in _FLAG_TESTS:
                ok = _flag_test(test, args) and ok
                watched.update(args)
            elif test in ("hook", "any_hook"):
                ok = (_hook_test(args) if test == "hook" else helpers.any_hook(*args)) and ok
            elif test == "when_file_changed":
                ok = helpers.any_file_changed(args) and ok
            elif test == "only_once":
                ok = not helpers.was_invoked(handler_id) and ok
            else:
                raise ReactiveError(f"unknown test {test!r} in handler spec {spec!r}")
        if watched and watch.get("iteration", 0) > 0:
            ok = ok and bool(watched & set(watch.get("changes", [])))
        if ok:
            passed.append(name)
    return ",".join(passed)


def _render_template(source: str, target: str) -> _NoOutput:
    try:
        import jinja2
    except ImportError:
        raise ReactiveError("render_template needs jinja2, which is not installed") from None
    templates = _runtime.current().context.charm_dir / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))
    text = env.get_template(source).render(dict(os.environ))
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with open(target, "w") as fh:
        fh.write(text)
    return _NOTHING


def _relation_call(a: argparse.Namespace) -> Any:
    from charms.reactive import relations

    return relations.relation_call(a.method, a.relation_name, a.flag, a.state, *a.args)


def _trace(a: argparse.Namespace) -> Any:
    rt = _runtime.current()
    data = trace.load_trace(rt)
    if data is None:
        raise ReactiveError(f"no trace recorded yet ({trace.trace_path(rt)})")
    return data if a.format != "raw" else trace.render(data)


def _register_trigger(a: argparse.Namespace) -> _NoOutput:
    if a.callback:
        raise ReactiveError("--callback cannot be used from the command line")
    flags.register_trigger(a.when, a.when_not, a.set_flag, a.clear_flag)
    return _NOTHING


def _mark_invoked(handler_ids: Sequence[str]) -> None:
    for handler_id in handler_ids:
        helpers.mark_invoked(handler_id)


def _act(func: Callable[[], object]) -> _NoOutput:
    func()
    return _NOTHING


Command = Callable[[argparse.Namespace], Any]
# name -> (arguments, command); arguments: "name" positional, "name*" many, "--name" option.
_COMMANDS: dict[str, tuple[tuple[str, ...], Command]] = {
    "set_flag": (("flag", "--value"), lambda a: _act(lambda: flags.set_flag(a.flag, a.value))),
    "clear_flag": (("flag",), lambda a: _act(lambda: flags.clear_flag(a.flag))),
    "toggle_flag": (
        ("flag", "should_set"),
        lambda a: _act(lambda: flags.toggle_flag(a.flag, _parse_bool(a.should_set))),
    ),
    "register_trigger": (
        ("--when", "--when_not", "--set_flag", "--clear_flag", "--callback"),
        _register_trigger,
    ),
    "is_flag_set": (("flag",), lambda a: _Predicate(flags.is_flag_set(a.flag))),
    "all_flags_set": (("flags*",), lambda a: _Predicate(flags.all_flags_set(*a.flags))),
    "any_flags_set": (("flags*",), lambda a: _Predicate(flags.any_flags_set(*a.flags))),
    "get_flags": ((), lambda a: flags.get_flags()),
    "get_unset_flags": (("flags*",), lambda a: flags.get_unset_flags(*a.flags)),
    "set_state": (("flag", "--value"), lambda a: _act(lambda: flags.set_flag(a.flag, a.value))),
    "remove_state": (("flag",), lambda a: _act(lambda: flags.clear_flag(a.flag))),
    "is_state": (("flag",), lambda a: _Predicate(flags.is_flag_set(a.flag))),
    "all_states": (("flags*",), lambda a: _Predicate(flags.all_flags_set(*a.flags))),
    "any_states": (("flags*",), lambda a: _Predicate(flags.any_flags_set(*a.flags))),
    "get_states": ((), lambda a: flags.flag_values()),
    "relation_call": (
        ("--relation_name", "--flag", "--state", "method", "args*"),
        _relation_call,
    ),
    "any_hook": (("patterns*",), lambda a: _Predicate(helpers.any_hook(*a.patterns))),
    "hook": (("patterns*",), lambda a: _Predicate(_hook_test(a.patterns))),
    **{
        kind: (("flags*",), (lambda k: lambda a: _Predicate(_flag_test(k, a.flags)))(kind))
        for kind in _FLAG_TESTS
    },
    "when_file_changed": (
        ("filenames*",),
        lambda a: _Predicate(helpers.any_file_changed(a.filenames)),
    ),
    "only_once": (("handler_id",), lambda a: _Predicate(not helpers.was_invoked(a.handler_id))),
    "mark_invoked": (("handler_ids*",), lambda a: _act(lambda: _mark_invoked(a.handler_ids))),
    "test": (("handlers*",), lambda a: run_tests(*a.handlers)),
    "render_template": (("source", "target"), lambda a: _render_template(a.source, a.target)),
    "trace": ((), _trace),
}

_HELP: Final = {
    "set_flag": "set a flag (--value: a string stored with it)",
    "clear_flag": "clear a flag",
    "toggle_flag": "set the flag if SHOULD_SET is true (true/yes/1), clear it if false",
    "register_trigger": "set/clear a flag when another is set (--when) or cleared (--when_not)",
    "is_flag_set": "exit 0 if the flag is set",
    "get_flags": "print the set flags, one per line",
    "get_unset_flags": "print those of the flags that are not set",
    "get_states": "print every set flag with its value",
    "relation_call": "call a method of a relation's instance and print the result",
    "test": "print the comma-joined names of the handler specs whose tests pass",
    "trace": "print the trace of the last hook (--format json for JSON)",
}


def _add_format_options(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--format FMT`` and its one-letter forms (``-r -j -p -y -c -t``) to ``parser``."""
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--format", choices=FORMATS, default=default, help="output format")
    for letter, name in zip("rjpyct", FORMATS, strict=True):
        fmt.add_argument(
            f"-{letter}",
            f"--{name}",
            dest="format",
            action="store_const",
            const=name,
            default=default,
        )


def _parser() -> argparse.ArgumentParser:
    """Build the parser; the output options work before the subcommand (1.x) and after it.

    The subcommands' copies default to ``SUPPRESS``: argparse copies every attribute a
    subparser parsed onto the main namespace, so a default there would overwrite a format
    given before the subcommand. One given after it wins.
    """
    parser = argparse.ArgumentParser(
        prog="charms.reactive", description="Flags and handler tests for reactive charms."
    )
    _add_format_options(parser, "raw")
    after = argparse.ArgumentParser(add_help=False)
    _add_format_options(after, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (arguments, command) in _COMMANDS.items():
        p = sub.add_parser(name, parents=[after], help=_HELP.get(name, name.replace("_", " ")))
        p.set_defaults(run=command)
        for arg in arguments:
            if arg.startswith("--"):
                p.add_argument(arg, default=None)
            elif arg.endswith("*"):
                p.add_argument(arg[:-1], nargs="*", default=[])
            else:
                p.add_argument(arg)
    return parser


def format_output(value: Any, fmt: str) -> str:
    """Render a query's result in ``fmt`` (no trailing newline in raw and json)."""
    if fmt == "json":
        return json.dumps(value)
    if fmt == "py":
        import pprint

        return pprint.pformat(value)
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(value, default_flow_style=False))
    if fmt in ("csv", "tab"):
        return _table(value, "," if fmt == "csv" else "\t")
    if isinstance(value, (list, tuple)):
        return "\n".join(str(item) for item in value)
    return str(value)


def _table(value: Any, delimiter: str) -> str:
    import csv
    import io

    rows: list[Any]
    if isinstance(value, dict):
        rows = [[k, v] for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        rows = [item if isinstance(item, (list, tuple)) else [item] for item in value]
    else:
        rows = [[value]]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


#: Commands that change the unit's state (outside hooks they take the state lock).
WRITERS: Final = frozenset(
    {
        "set_flag",
        "clear_flag",
        "toggle_flag",
        "register_trigger",
        "set_state",
        "remove_state",
        "mark_invoked",
        "relation_call",
        "test",
        "when_file_changed",
    }
)
#: Seconds a writing command waits for a running hook to release the state lock
#: (``CHARMS_REACTIVE_LOCK_TIMEOUT`` overrides it).
LOCK_TIMEOUT: Final = 30.0


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("CHARMS_REACTIVE_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (see the module docstring).

    In a child of a running hook (:data:`~charms.reactive._hookproto.ENV_VAR` set), the hook
    runs the command on its own uncommitted state. With a runtime active (in-process, in
    tests) the command works on it and commits it. Outside hooks, reading commands read the
    last committed state without any lock, even while a hook runs; writing commands
    (:data:`WRITERS`) take the unit's state lock, waiting up to :data:`LOCK_TIMEOUT` seconds
    (``CHARMS_REACTIVE_LOCK_TIMEOUT``) for a running hook, and commit.

    Args:
        argv: The arguments after the program name (default ``sys.argv[1:]``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    hook = os.environ.get(_hookproto.ENV_VAR)
    if hook and _runtime.active() is None:
        try:  # a child of a running hook: the hook runs the command, on its own state
            code, out, err = _hookproto.ask(hook, argv)
        except (OSError, ValueError):
            pass  # the hook is gone (a background process outliving it): work on the store
        else:
            sys.stdout.write(out)
            sys.stdout.flush()
            sys.stderr.write(err)
            return code
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    rt = _runtime.active()
    if rt is not None:
        return _run(rt, args, commit=True)
    rt = _runtime.Runtime.from_environ()
    rt.read_only = args.command not in WRITERS
    try:
        with _runtime.activate(rt):
            if rt.read_only:
                return _run(rt, args, commit=False)
            who = f"charms.reactive {args.command}"
            with state_lock(rt.db_path, who, _lock_timeout(), prefix=False):
                return _run(rt, args, commit=True)
    except ReactiveError as err:
        return _fail(args, err)
    finally:
        if rt.kv_opened:
            rt.kv.close()


def execute(argv: Sequence[str]) -> int:
    """Run one command on the active runtime without committing it (a hook's child asked).

    The command sees and changes the hook's uncommitted state; if it fails, its own changes
    (flags, data, buffered relation writes) are undone and the rest of the hook's are kept.
    Output goes to ``sys.stdout`` / ``sys.stderr``.

    Returns:
        The exit code, as :func:`main`.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    rt = _runtime.current()
    pending = rt.tools.pending()
    try:
        with rt.kv.savepoint():
            result = args.run(args)
    except (ReactiveError, ValueError, OSError) as err:
        rt.tools.restore(pending)
        return _fail(args, err)
    return _output(result, args)


def _run(rt: _runtime.Runtime, args: argparse.Namespace, *, commit: bool) -> int:
    try:
        result = args.run(args)
        if commit:
            rt.commit()
    except (ReactiveError, ValueError, OSError) as err:
        if commit:
            rt.rollback()
        return _fail(args, err)
    return _output(result, args)


def _fail(args: argparse.Namespace, err: Exception) -> int:
    print(f"charms.reactive {args.command}: error: {err}", file=sys.stderr)
    return 2


def _output(result: Any, args: argparse.Namespace) -> int:
    if isinstance(result, _Predicate):
        return 0 if result.value else 1
    if not isinstance(result, _NoOutput):
        sys.stdout.write(format_output(result, args.format))
        sys.stdout.flush()
    return 0
