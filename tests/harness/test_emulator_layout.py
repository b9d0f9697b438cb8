"""The emulator's layout: no import cycle between its modules; a hook-tool client kept tiny."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "reactive_harness"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def find_modules(root: Path, package: str) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def imports_of(path: Path, root: Path, modules: dict[str, Path]) -> set[str]:
    """Return the package's modules that ``path`` imports, wherever the import statement is.

    Top-level imports, imports inside functions and under ``if TYPE_CHECKING:`` all count.
    ``from pkg import name`` imports ``pkg.name`` if that is a module, else ``pkg``. Importing
    ``pkg.sub.mod`` first runs ``pkg/sub/__init__.py``, so that counts too, except for packages
    that contain the importer: Python has started those before it.
    """
    me = module_name(path, root)
    own_package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = own_package.split(".")[: len(own_package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                named.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    found: set[str] = set()
    for target in named:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            implicit = end < len(parts)
            if prefix not in modules or prefix == me:
                continue
            if implicit and me.startswith(prefix + "."):
                continue  # a package containing the importer: already being initialised
            found.add(prefix)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = find_modules(root, package)
    return {name: imports_of(path, root, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (first module repeated at the end), or ``None``."""
    done: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        stack.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def test_emulator_import_graph_has_no_cycle():
    graph = import_graph(ROOT, PACKAGE)
    assert f"{PACKAGE}.tools.dispatch" in graph[f"{PACKAGE}.tools"]  # the walk sees packages
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_check_counts_imports_under_type_checking_and_in_functions(tmp_path):
    """The old handles <-> modelbase cycle: one side imported only for type checking."""
    package = tmp_path / "emu"
    (package / "tools").mkdir(parents=True)
    (package / "__init__.py").write_text("from emu.model import Model\n")
    (package / "handles.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from emu.modelbase import Base\n"
    )
    (package / "modelbase.py").write_text("from emu.handles import Unit\n")
    (package / "model.py").write_text("def f():\n    from emu import modelbase\n")
    (package / "tools" / "__init__.py").write_text("from emu.tools.run import run\n")
    (package / "tools" / "run.py").write_text("from emu.session import Session\n")
    (package / "session.py").write_text("from emu.tools.base import ToolError\n")
    (package / "tools" / "base.py").write_text("")
    graph = import_graph(tmp_path, "emu")
    assert graph["emu.model"] == {"emu.modelbase"}
    cycle = find_cycle({k: v for k, v in graph.items() if "tools" not in k})
    assert cycle is not None
    assert set(cycle) == {"emu.handles", "emu.modelbase"}
    # session -> tools.base runs tools/__init__, which imports session back
    cycle = find_cycle({k: v for k, v in graph.items() if "handles" not in k})
    assert cycle is not None
    assert set(cycle) == {"emu.session", "emu.tools", "emu.tools.run"}


def test_hook_tool_client_imports_only_socket_posix_sys():
    path = ROOT / PACKAGE / "tools" / "jujuc.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    assert names <= {"_socket", "posix", "sys"}, sorted(names)
