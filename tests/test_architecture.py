"""The shape of lib/: the import graph of docs/design.md, and what importing costs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "charms" / "reactive"
DESIGN = ROOT / "docs" / "design.md"
FORBIDDEN_AT_IMPORT = ("charmhelpers", "yaml", "pkg_resources", "distutils")


def graph_order() -> list[str]:
    text = DESIGN.read_text()
    section = text.split("## Import graph (lib)", 1)[1].split("\n## ", 1)[0]
    listing = section.split("checked by `tests/test_architecture.py`):", 1)[1]
    listing = listing.split(".\n", 1)[0]
    return re.findall(r"`([\w]+)`", listing)


def imported_modules(path: Path) -> set[str]:
    """Every charms.reactive module a file imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "charms.reactive":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("charms.reactive."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("charms.reactive."):
                    found.add(alias.name.split(".")[2])
    return found


def all_top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


MODULES = sorted(
    [p.stem for p in PACKAGE.glob("*.py")]
    + [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
)
#: Public modules: those charms.reactive 1.x layers import, plus the seam and the errors.
PUBLIC = [
    "__init__",
    "bus",
    "cli",
    "decorators",
    "endpoints",
    "errors",
    "flags",
    "helpers",
    "juju",
    "patterns",
    "relations",
    "trace",
]


def module_files(module: str) -> list[Path]:
    """The files of a module of the package (a package: all of its files)."""
    package = PACKAGE / module
    return sorted(package.rglob("*.py")) if package.is_dir() else [PACKAGE / f"{module}.py"]


#: Code outside lib/ that ships or runs beside it (tests are allowed private imports).
OUTSIDE_LIB = ["reactive_harness", "devtools", "bench", "bin", "hooks", "interfaces", "examples"]


def documented_public_modules() -> list[str]:
    section = DESIGN.read_text().split("## Public modules and private ones", 1)[1]
    table = section.split("\n## ", 1)[0]
    names: list[str] = []
    for row in table.splitlines():
        if row.startswith("| `"):
            first_cell = row.split("|")[1]
            names += re.findall(r"`([\w.]+)`", first_cell)
    return sorted("__init__" if n == "charms.reactive" else n for n in names)


def python_files(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        base = ROOT / root
        files += [p for p in base.rglob("*") if p.is_file() and _is_python(p)]
    return sorted(files)


def _is_python(path: Path) -> bool:
    if path.suffix == ".py":
        return True
    if "__pycache__" in path.parts:
        return False
    try:
        head = path.read_bytes()[:64]
    except OSError:
        return False
    return head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]


def test_public_modules_are_the_documented_ones_and_the_rest_is_private():
    assert documented_public_modules() == sorted(PUBLIC)
    private = [m for m in MODULES if m not in PUBLIC]
    assert all(m.startswith("_") for m in private), private


@pytest.mark.parametrize(
    "path", python_files(*OUTSIDE_LIB), ids=lambda p: str(p.relative_to(ROOT))
)
def test_nothing_outside_lib_imports_a_private_module(path):
    private = sorted((imported_modules(path) & set(MODULES)) - set(PUBLIC))
    assert private == [], f"{path.relative_to(ROOT)} imports private charms.reactive modules"


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_another_modules_private_name(module):
    found = []
    trees = [ast.parse(path.read_text()) for path in module_files(module)]
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("charms.reactive"):
            found += [
                a.name for a in node.names if a.name.startswith("_") and a.name not in MODULES
            ]
    assert found == []


def test_every_module_is_in_the_documented_graph():
    assert sorted(set(MODULES) - set(graph_order())) == []
    assert sorted(set(graph_order()) - set(MODULES)) == []


@pytest.mark.parametrize("module", MODULES)
def test_modules_import_only_earlier_modules(module):
    order = graph_order()
    position = order.index(module)
    imported = set().union(*(imported_modules(p) for p in module_files(module))) & set(order)
    imported.discard(module)

    later = sorted(m for m in imported if order.index(m) >= position)
    assert later == [], f"{module} imports {later}, listed after it in docs/design.md"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "lib").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_lib_never_imports_the_emulator(path):
    assert "reactive_harness" not in all_top_level_imports(path)


def test_import_charms_reactive_stays_light():
    code = (
        "import sys, charms.reactive\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_AT_IMPORT!r})\n"
        "print(','.join(bad))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(ROOT / "lib"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == ""


def test_init_holds_imports_and_all_only():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Import", "Assign"}
    assigned = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets]
    assert assigned == ["__all__"]


@pytest.mark.parametrize("module", MODULES)
def test_modules_stay_small(module):
    lines = max(len(path.read_text().splitlines()) for path in module_files(module))
    assert lines <= 450, f"{module}.py has {lines} lines: split it"


BOOTSTRAP = ROOT / "lib" / "reactive_bootstrap"


@pytest.mark.parametrize(
    "path",
    sorted([*BOOTSTRAP.glob("*.py"), *(ROOT / "reactive_harness").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_other_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 450, f"{path.name} has {lines} lines: split it"


@pytest.mark.parametrize("path", sorted(BOOTSTRAP.glob("*.py")), ids=lambda p: p.name)
def test_bootstrap_imports_only_the_standard_library(path):
    allowed = set(sys.stdlib_module_names) | {"reactive_bootstrap", "__future__"}
    assert all_top_level_imports(path) <= allowed


def test_bootstrap_of_an_installed_charm_imports_no_installer(tmp_path):
    """Every hook after the first: no hashing, no subprocess, no _install module."""
    import reactive_bootstrap as rb

    charm = tmp_path / "unit" / "charm"
    (charm / "wheelhouse").mkdir(parents=True)
    wheel = charm / "wheelhouse" / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not installed: the marker below says it already is")
    venv = charm.parent / ".venv"
    venv.mkdir()
    digest = rb.state_digest([wheel], rb.LayerOptions())
    (venv / rb.MARKER_NAME).write_text(json.dumps({"digest": digest}))
    code = (
        "import sys, reactive_bootstrap\n"
        f"assert str(reactive_bootstrap.ensure_ready({str(charm)!r})) == {str(venv)!r}\n"
        "names = ('subprocess', 'shutil', 'fcntl', 'hashlib', 'reactive_bootstrap._install')\n"
        "print(','.join(sorted(n for n in names if n in sys.modules)))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-S", "-c", code],
            env={"PYTHONPATH": str(ROOT / "lib"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["hashlib", ""]  # the first hook hashes the wheelhouse, later ones do not


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "tests").rglob("*.py") if "data" not in p.relative_to(ROOT).parts),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_tests_import_helpers_from_tests_helpers_not_from_conftest(path):
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    assert not [m for m in modules if m.split(".")[-1] == "conftest"]
