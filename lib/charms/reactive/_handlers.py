"""Handlers and the registry that collects them.

Decorators attach a :class:`HandlerSpec` to a function and add it to the default
:class:`Registry` (charms.reactive's contract: decorating registers). The registry turns specs
into :class:`Handler` objects for a hook: a handler in an interface layer's role file
(``hooks/relations/<interface>/{provides,requires,peers}.py``) becomes one handler per relation
using that interface in that role. Executable files found by discovery become
:class:`ExternalHandler` objects speaking the ``--test`` / ``--invoke`` protocol.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Protocol

from charms.reactive import _conditions, _runtime, flags
from charms.reactive._metadata import ROLES
from charms.reactive.errors import ExternalHandlerError

__all__ = [
    "ExternalHandler",
    "Handler",
    "HandlerLike",
    "HandlerSpec",
    "Registry",
    "default_registry",
    "use_registry",
]

#: Builds a handler's arguments when it runs.
ArgsFactory = Callable[[_runtime.Runtime, "Handler"], list[Any]]

#: Where external handlers find the flags dispatch saw change (1.x key).
STATE_WATCH_KEY: Final = "reactive.state_watch"
_EXT_OUTPUT: Final = "charms.reactive._handlers.external_output"
_CO_VARARGS: Final = 0x04


class HandlerLike(Protocol):
    """What the dispatcher needs of a handler."""

    @property
    def id(self) -> str:
        """The stable id (``only_once`` memory is keyed by it)."""
        ...

    @property
    def display(self) -> str:
        """The id shown in logs, with the path relative to the charm."""
        ...

    @property
    def flags(self) -> frozenset[str]:
        """The flags whose changes make the dispatcher test the handler again."""
        ...

    def runs_in(self, phase: str) -> bool:
        """Return whether the handler is tested in this dispatch phase."""
        ...

    def test(self, rt: _runtime.Runtime) -> bool:
        """Return whether the handler should run now."""
        ...

    def explain(self, rt: _runtime.Runtime) -> str:
        """Say why :meth:`test` was false."""
        ...

    def invoke(self, rt: _runtime.Runtime) -> None:
        """Run the handler."""
        ...


class HandlerSpec:
    """What the decorators said about one function."""

    def __init__(self, func: Callable[..., Any], file: str, line: int, name: str) -> None:
        """Describe ``func``, defined at ``file:line`` as ``name``, with no condition yet."""
        self.func = func
        self.file = file
        self.line = line
        self.name = name
        self.conditions: list[_conditions.Condition] = []
        self.args_factory: ArgsFactory | None = None
        #: Tells, once the module is loaded, whether the handler needs one copy per relation
        #: of its interface even without ``{endpoint_name}`` in its flags (Endpoint methods).
        self.per_relation: Callable[[HandlerSpec], bool] | None = None
        #: The decorators applied, innermost first (for error messages).
        self.decorators: list[str] = []

    def __repr__(self) -> str:
        return f"<HandlerSpec {self.id} {' '.join('@' + d for d in self.decorators)}>"

    @property
    def id(self) -> str:
        """``<file>:<line>:<name>``, as charms.reactive 1.x named handlers."""
        return f"{self.file}:{self.line}:{self.name}"

    @property
    def phases(self) -> set[str]:
        """The dispatch phases its conditions require."""
        return {c.phase for c in self.conditions if c.phase is not None}


def _display_path(file: str, charm_dir: Path) -> str:
    try:
        return str(Path(file).relative_to(charm_dir))
    except ValueError:
        return file


def _accepts_args(func: Callable[..., Any]) -> bool:
    code = getattr(func, "__code__", None)
    if code is None:
        return True
    return code.co_argcount >= 1 or bool(code.co_flags & _CO_VARARGS)


class Handler:
    """One Python handler, ready to be tested and invoked in a hook."""

    def __init__(
        self, spec: HandlerSpec, charm_dir: Path, relation_name: str | None = None
    ) -> None:
        """Make the handler of ``spec`` (for one relation of an interface layer, if given)."""
        self.spec = spec
        self.relation_name = relation_name
        self.conditions: tuple[_conditions.Condition, ...] = tuple(
            c.bind(relation_name) if relation_name else c for c in spec.conditions
        )
        suffix = f":{relation_name}" if relation_name else ""
        self._id = spec.id + suffix
        self._display = f"{_display_path(spec.file, charm_dir)}:{spec.line}:{spec.name}{suffix}"
        self._flags = frozenset(f for c in self.conditions for f in c.flags)
        phases = spec.phases
        self.phase = next(iter(phases)) if phases else None

    @property
    def id(self) -> str:
        """``<file>:<line>:<name>[:<relation>]``."""
        return self._id

    @property
    def display(self) -> str:
        """The id with the file relative to the charm."""
        return self._display

    @property
    def flags(self) -> frozenset[str]:
        """The flags its conditions watch."""
        return self._flags

    def runs_in(self, phase: str) -> bool:
        """Return whether the handler belongs to ``phase``.

        Handlers without a phase condition (only ``@only_once`` / ``@when_file_changed``) run
        in the hooks and other phases, as in 1.x, but never in a restricted hook.
        """
        if self.phase is None:
            return phase != "restricted"
        return self.phase == phase

    def test(self, rt: _runtime.Runtime) -> bool:
        """Return whether every condition holds."""
        return all(c.test(rt, self._id) for c in self.conditions)

    def explain(self, rt: _runtime.Runtime) -> str:
        """Return why the first failing condition does not hold."""
        for c in self.conditions:
            if not c.test(rt, self._id):
                return c.explain(rt, self._id)
        return "conditions hold"

    def invoke(self, rt: _runtime.Runtime) -> None:
        """Call the function, with arguments when it takes them, then notify the conditions."""
        args: list[Any] = []
        if self.spec.args_factory is not None and _accepts_args(self.spec.func):
            args = self.spec.args_factory(rt, self)
        self.spec.func(*args)
        for c in self.conditions:
            c.invoked(rt, self._id)

    def __repr__(self) -> str:
        return f"<Handler {self._display}>"


class ExternalHandler:
    """An executable handler (e.g. bash with ``charms.reactive.sh``).

    Protocol: ``<file> --test`` exits 0 when something should run and prints what; then
    ``<file> --invoke <that output>`` runs it. The child's ``charms.reactive`` commands run in
    the hook's own process, on its uncommitted state (``main()`` serves them over a socket,
    see :mod:`charms.reactive._hookserver`): flags it sets or clears count as changes of this
    dispatch, and nothing reaches the store before the hook succeeds. Before each call the
    buffered relation writes are sent, so the child's own ``relation-set`` calls come after
    them (Juju applies them all only if the hook exits 0), and the flags the dispatcher saw
    change are stored for the child's tests (``reactive.state_watch``).
    """

    phase = None

    def __init__(self, path: Path, charm_dir: Path) -> None:
        """Wrap the executable at ``path``."""
        self.path = path
        self.charm_dir = charm_dir
        self._display = _display_path(str(path), charm_dir)

    @property
    def id(self) -> str:
        """The executable's path."""
        return str(self.path)

    @property
    def display(self) -> str:
        """The path relative to the charm."""
        return self._display

    @property
    def flags(self) -> frozenset[str]:
        """None: the executable checks its flags itself."""
        return frozenset()

    def runs_in(self, phase: str) -> bool:
        """Return whether it is tested in ``phase`` (all but restricted hooks)."""
        return phase != "restricted"

    def _outputs(self, rt: _runtime.Runtime) -> dict[str, tuple[int, str]]:
        outputs: dict[str, tuple[int, str]] = rt.scratch.setdefault(_EXT_OUTPUT, {})
        return outputs

    def _run(self, rt: _runtime.Runtime, argv: list[str], *, capture: bool) -> tuple[int, str]:
        rt.kv.set(STATE_WATCH_KEY, flags.flag_watch(rt).as_record())
        _conditions.persist_phase(rt)
        rt.tools.flush()
        runner = rt.children or _PlainChildren()
        try:
            return runner.run(argv, child_environ(rt), capture=capture)
        except OSError as err:
            raise ExternalHandlerError(self._display, -1, str(err)) from None

    def test(self, rt: _runtime.Runtime) -> bool:
        """Run ``<file> --test``; remember its output for :meth:`invoke`."""
        code, out = self._run(rt, [str(self.path), "--test"], capture=True)
        self._outputs(rt)[self.id] = (code, out.strip())
        return code == 0

    def explain(self, rt: _runtime.Runtime) -> str:
        """Report the exit code of ``--test``."""
        code, _ = self._outputs(rt).get(self.id, (None, ""))
        return f"{self._display} --test exited {code}"

    def invoke(self, rt: _runtime.Runtime) -> None:
        """Run ``<file> --invoke <test output>``.

        Raises:
            ExternalHandlerError: It exited non-zero or could not be started.
        """
        _, output = self._outputs(rt).get(self.id, (0, ""))
        code, _ = self._run(rt, [str(self.path), "--invoke", output], capture=False)
        if code != 0:
            raise ExternalHandlerError(self._display, code)

    def __repr__(self) -> str:
        return f"<ExternalHandler {self._display}>"


class _PlainChildren:
    """Runs children as plain processes (no command line served: outside ``main()``)."""

    def run(self, argv: list[str], env: dict[str, str], *, capture: bool) -> tuple[int, str]:
        import subprocess

        proc = subprocess.run(
            argv, env=env, stdout=subprocess.PIPE if capture else None, text=True, check=False
        )
        return proc.returncode, proc.stdout or ""


def child_environ(rt: _runtime.Runtime) -> dict[str, str]:
    """Return the environment of a child process of the hook (external handlers).

    It is the process environment plus what the runtime's context knows (in-process runs may
    not have it in ``os.environ``), with ``$CHARM_DIR/bin`` first on ``PATH`` so that the
    ``charms.reactive`` command is found.
    """
    ctx = rt.context
    env = dict(os.environ)
    known = {
        "JUJU_CHARM_DIR": str(ctx.charm_dir),
        "CHARM_DIR": str(ctx.charm_dir),
        "JUJU_HOOK_NAME": ctx.hook_name,
        "UNIT_STATE_DB": str(rt.db_path),
        "JUJU_UNIT_NAME": ctx.unit_name,
        "JUJU_RELATION": ctx.relation_name,
        "JUJU_RELATION_ID": ctx.relation_id,
        "JUJU_REMOTE_UNIT": ctx.remote_unit,
        "JUJU_REMOTE_APP": ctx.remote_app,
    }
    env.update({k: v for k, v in known.items() if v})
    bin_dir = ctx.charm_dir / "bin"
    path = env.get("PATH", os.defpath)
    if bin_dir.is_dir() and str(bin_dir) not in path.split(os.pathsep):
        env["PATH"] = f"{bin_dir}{os.pathsep}{path}"
    return env


_IFACE_NAME = re.compile(r"^name:\s*[\"']?([^\"'\s#]+)", re.MULTILINE)


def interface_of(file: str) -> tuple[str, str] | None:
    """Return ``(role, interface)`` when ``file`` is an interface layer's role file.

    That is ``.../relations/<dir>/{provides,requires,peers}.py``; the interface is the
    ``name:`` of ``interface.yaml`` beside it, else the directory's name.
    """
    path = Path(file)
    if path.stem not in ROLES or path.parent.parent.name != "relations":
        return None
    try:
        match = _IFACE_NAME.search((path.parent / "interface.yaml").read_text())
    except OSError:
        match = None
    return path.stem, match.group(1) if match else path.parent.name


class Registry:
    """Collects handler specs (in registration order) and external handlers."""

    def __init__(self) -> None:
        """Start empty."""
        self._entries: list[HandlerSpec | ExternalHandler] = []
        self._specs: dict[int, HandlerSpec] = {}
        #: Files discovery has loaded into this registry.
        self.loaded: set[str] = set()

    def spec_for(self, func: Callable[..., Any], file: str, line: int, name: str) -> HandlerSpec:
        """Return the spec of ``func``, registering a new one on first use."""
        spec = self._specs.get(id(func))
        if spec is None or spec.func is not func:
            spec = HandlerSpec(func, file, line, name)
            self._specs[id(func)] = spec
            self._entries.append(spec)
        return spec

    def forget_file(self, file: str) -> None:
        """Drop the specs of functions defined in ``file`` (before it is executed again)."""
        stale = {key for key, spec in self._specs.items() if spec.file == file}
        if stale:
            self._entries = [
                e for e in self._entries if not (isinstance(e, HandlerSpec) and e.file == file)
            ]
            for key in stale:
                del self._specs[key]

    def add_external(self, handler: ExternalHandler) -> None:
        """Register an executable handler."""
        self._entries.append(handler)

    @property
    def specs(self) -> list[HandlerSpec]:
        """The registered specs, in order."""
        return [e for e in self._entries if isinstance(e, HandlerSpec)]

    def handlers(self, rt: _runtime.Runtime) -> list[HandlerLike]:
        """Return the handlers of this hook, in registration order.

        A spec with flag conditions in an interface role file becomes one handler per relation
        using that interface and role (none if no relation does), with ``{endpoint_name}`` and
        ``{relation_name}`` in its flags replaced and ``:<relation>`` added to its id; so does
        a method of an Endpoint class (each copy gets its own endpoint). Otherwise, when its
        flags name no relation, it becomes a single handler (1.x ran it once per relation,
        with identical conditions and arguments).

        Raises:
            MetadataError: metadata.yaml is needed (interface layers) and cannot be read.
        """
        charm_dir = rt.context.charm_dir
        result: list[HandlerLike] = []
        for entry in self._entries:
            if isinstance(entry, ExternalHandler):
                result.append(entry)
                continue
            flag_conds = [c for c in entry.conditions if isinstance(c, _conditions.FlagCondition)]
            role_iface = interface_of(entry.file) if flag_conds else None
            if role_iface is None:
                result.append(Handler(entry, charm_dir))
                continue
            relation_names = rt.metadata.relations_for(*role_iface)
            placeholder = any(c.has_placeholder for c in flag_conds)
            if placeholder or (entry.per_relation is not None and entry.per_relation(entry)):
                result += [Handler(entry, charm_dir, name) for name in relation_names]
            elif relation_names:
                result.append(Handler(entry, charm_dir))
        return result


_default: Registry | None = None


def default_registry() -> Registry:
    """Return the registry decorators add to (created on first use)."""
    global _default  # the one module-level default, replaceable with use_registry()
    if _default is None:
        _default = Registry()
    return _default


@contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the default for the duration of the block (tests, the emulator)."""
    global _default
    previous, _default = _default, registry
    try:
        yield registry
    finally:
        _default = previous
