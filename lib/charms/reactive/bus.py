"""Discovery of handlers in a charm, and dispatch: running them until the flags settle.

This module also exposes the deprecated names 1.x layers import from ``charms.reactive.bus``
(``State``, ``StateList``, ``set_state``, ``remove_state``, ``get_state``, ``get_states``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from charms.reactive import _conditions, _legacy_namespace, _runtime, flags, trace
from charms.reactive._compat import (
    State,
    StateList,
    get_state,
    get_states,
    remove_state,
    set_state,
)
from charms.reactive._handlers import (
    STATE_WATCH_KEY,
    ExternalHandler,
    Handler,
    HandlerLike,
    Registry,
    default_registry,
)
from charms.reactive.errors import DispatchLimitError
from charms.reactive.flags import FlagWatch

__all__ = [
    "HANDLER_DIRS",
    "MAX_ITERATIONS",
    "ExternalHandler",
    "FlagWatch",
    "Handler",
    "State",
    "StateList",
    "discover",
    "dispatch",
    "get_state",
    "get_states",
    "remove_state",
    "set_state",
]

#: Where handlers live, relative to the charm directory, in discovery order.
HANDLER_DIRS: Final = ("reactive", "hooks/reactive", "hooks/relations")
#: The most iterations of the other phase before dispatch gives up.
MAX_ITERATIONS: Final = 100


def discover(rt: _runtime.Runtime | None = None, registry: Registry | None = None) -> None:
    """Load every handler of the charm into the registry.

    Puts ``$CHARM_DIR`` and ``$CHARM_DIR/hooks`` on ``sys.path``, imports the charm's layer
    libraries (``charms.layer.import_layer_libs()``, as layer-basic's bootstrap), then walks
    :data:`HANDLER_DIRS` in sorted order (``__pycache__`` skipped). Each ``.py`` file is
    imported as ``<reactive|relations>.<dotted relative path>`` (``__init__`` dropped), which
    registers its decorated handlers. A module imported before discovery (e.g. by an earlier
    in-process run) is executed afresh, replacing its handlers; one imported by another handler
    module during discovery is kept, so modules are not duplicated. Executable files without an
    extension or ending in ``.sh`` that start with ``#!`` become :class:`ExternalHandler`
    objects. Files already loaded into this registry are skipped. Import errors propagate and
    fail the hook.
    """
    rt = rt or _runtime.current()
    registry = registry or default_registry()
    charm_dir = rt.context.charm_dir
    for entry in (str(charm_dir), str(charm_dir / "hooks")):
        if entry not in sys.path:
            sys.path.append(entry)
    _legacy_namespace.install()  # charmhelpers.core.reactive, for 2015-era layers
    _import_layer_libs(charm_dir)
    imported_before = set(sys.modules)
    for search_dir in HANDLER_DIRS:
        root = charm_dir / search_dir
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for filename in sorted(filenames):
                path = Path(dirpath, filename)
                if str(path) in registry.loaded:
                    continue
                if filename.endswith(".py"):
                    registry.loaded.add(str(path))
                    name = _module_name(root, path)
                    if name not in imported_before and _is_module_of(name, path):
                        continue  # another handler module imported it during this discovery
                    registry.forget_file(str(path))
                    _load(name, path)
                elif _is_executable_handler(path):
                    registry.loaded.add(str(path))
                    registry.add_external(ExternalHandler(path, charm_dir))


def _import_layer_libs(charm_dir: Path) -> None:
    """Import the charm's layer libraries (``charms.layer.<name>``) before its handlers.

    layer-basic does so in every hook, and layers rely on their libraries' import-time side
    effects (layer:status patches ``hookenv.status_set``). Only for a charm that has the
    ``charms.layer`` package (this layer ships it); an import error fails the hook.
    """
    if not (charm_dir / "lib" / "charms" / "layer" / "__init__.py").is_file():
        return
    import importlib

    importlib.import_module("charms.layer").import_layer_libs()


def _module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module_of(name: str, path: Path) -> bool:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    return file is not None and os.path.realpath(file) == os.path.realpath(path)


def _load(name: str, path: Path) -> None:
    """Execute the file at ``path`` afresh as module ``name``.

    Loading by path (not by name through ``sys.path``) guarantees this charm's file runs even
    if another charm's directory is on ``sys.path`` (in-process runs); running it afresh
    re-runs its decorators, so its handlers reach the current registry.
    """
    import contextlib
    import importlib
    import importlib.util

    parent = name.rpartition(".")[0]
    if parent and parent not in sys.modules:
        # Parents make relative imports work (the walk loads a package's __init__ first).
        with contextlib.suppress(ImportError):
            importlib.import_module(parent)
    package_dir = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=package_dir
    )
    if spec is None or spec.loader is None:  # pragma: no cover - .py files always have one
        raise ImportError(f"cannot load handler module {path}", name=name, path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise


def _is_executable_handler(path: Path) -> bool:
    if path.suffix not in ("", ".sh") or not os.access(path, os.X_OK) or not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(4)
    return head.startswith(b"#!") or head == b"\x7fELF"


def dispatch(
    restricted: bool = False,
    *,
    rt: _runtime.Runtime | None = None,
    registry: Registry | None = None,
    handlers: Sequence[HandlerLike] | None = None,
) -> None:
    """Run the registered handlers until the flags settle.

    The rules (those of charms.reactive 1.x, with a loud limit):

    1. **Hooks phase**: every handler of that phase (``@hook``, and handlers with no phase
       condition such as ``@only_once``) is tested once; those that pass run, in order.
    2. **Other phase**, in iterations: iteration 0 tests every ``@when*`` handler (and
       handlers with no phase condition); iteration *n* tests only those whose flags changed
       in iteration *n-1*, plus Python handlers that watch no flag, plus executable handlers
       if any flag changed (they check their flags themselves, with the command line).
       Dispatch ends when an iteration queues nothing.
    3. Within a queue, handlers run in registration order. Flags they set take effect in the
       next iteration; once a flag is cleared, each remaining handler is tested again before
       it runs and dropped if it no longer passes.
    4. A dispatch still queuing handlers after :data:`MAX_ITERATIONS` iterations raises
       :class:`~charms.reactive.errors.DispatchLimitError` naming the flags still changing.
    5. ``restricted`` (``collect-metrics``, ``meter-status-changed``): one pass over the
       ``@collect_metrics`` / ``@meter_status_changed`` handlers only.

    The phase is persisted under ``reactive.dispatch.phase`` as in 1.x (before each
    executable handler and at the end).

    Args:
        restricted: Run a restricted hook (rule 5).
        rt: The hook's runtime (default: the current one).
        registry: Where the handlers are registered (default: the default registry).
        handlers: The registry's handlers for this hook, if already computed.

    Raises:
        DispatchLimitError: The flags did not settle.
    """
    rt = rt or _runtime.current()
    if handlers is None:
        handlers = (registry or default_registry()).handlers(rt)
    watch = flags.flag_watch(rt)
    watch.reset()
    tracer = trace.current_tracer(rt)
    tracer.start(rt.context.hook_name, flags.get_flags())
    if restricted:
        _conditions.set_phase(rt, "restricted")
        _run_queue(rt, "restricted", 0, [h for h in handlers if h.runs_in("restricted")])
    else:
        _conditions.set_phase(rt, "hooks")
        _run_queue(rt, "hooks", 0, [h for h in handlers if h.runs_in("hooks")])
        _conditions.set_phase(rt, "other")
        other = [h for h in handlers if h.runs_in("other")]
        last_ran: list[str] = []
        for iteration in range(MAX_ITERATIONS):
            watch.start_iteration(iteration)
            candidates = other if iteration == 0 else [h for h in other if _retest(h, watch)]
            last_ran = _run_queue(rt, "other", iteration, candidates)
            if not last_ran:
                break
        else:
            raise DispatchLimitError(
                MAX_ITERATIONS, sorted(watch.changed | watch.pending), last_ran
            )
    _conditions.record_seen_files(rt)
    _conditions.persist_phase(rt)
    if rt.kv.get(STATE_WATCH_KEY) is not None:
        rt.kv.unset(STATE_WATCH_KEY)


def _retest(handler: HandlerLike, watch: FlagWatch) -> bool:
    """Whether iteration n > 0 tests ``handler`` again (rule 2 of :func:`dispatch`)."""
    if handler.flags:
        return bool(handler.flags & watch.changed)
    if isinstance(handler, ExternalHandler):  # it checks flags itself: only after a change
        return bool(watch.changed)
    return True


def _run_queue(
    rt: _runtime.Runtime, phase: str, iteration: int, candidates: list[HandlerLike]
) -> list[str]:
    """Test ``candidates``, run those that pass; return the ids of the handlers run."""
    tracer = trace.current_tracer(rt)
    watch = flags.flag_watch(rt)
    queue: list[HandlerLike] = []
    skipped: list[tuple[str, str]] = []
    for handler in candidates:
        if handler.test(rt):
            queue.append(handler)
        else:
            skipped.append((handler.display, handler.explain(rt)))
    tracer.phase(phase, iteration, [h.display for h in queue])
    for display, reason in skipped:
        tracer.skipped(display, reason)
    ran: list[str] = []
    watch.cleared = False
    retest = False
    for handler in queue:
        retest = retest or watch.cleared
        if retest and not handler.test(rt):
            tracer.dequeued(handler.display, handler.explain(rt))
            continue
        tracer.invoking(handler.display)
        handler.invoke(rt)
        ran.append(handler.display)
    return ran
