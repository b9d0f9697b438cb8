"""Install a built charm's Python dependencies on the unit, before charms.reactive is imported.

Every generated hook (``hooks/hook.template``) and the ``bin/charms.reactive`` launcher call
:func:`bootstrap` first. It uses the standard library only, because it runs before anything
is installed, and it never imports ``charms.reactive`` or ``charmhelpers``.

What it does, in order:

0. On Python < 3.12, make ``import distutils`` use the standard library's copy
   (``SETUPTOOLS_USE_DISTUTILS=stdlib``), not setuptools' heavy shim.
1. Put ``$CHARM_DIR/bin`` on ``PATH`` (so bash handlers can run ``charms.reactive``).
2. Read this layer's options from the built charm's ``layer.yaml`` (:class:`LayerOptions`).
3. Compute a digest of the charm's ``wheelhouse/`` (names and contents of its files), the
   options and the Python version (cached in the charm dir, keyed by the files' names, sizes
   and mtimes, so later hooks do not re-read the wheelhouse). No ``wheelhouse/``, no
   packages and no python_packages: nothing more to do.
4. If the marker file in the target directory records that digest, only make the installed
   packages importable (:func:`activate`). This is the path of every hook after the first.
5. Otherwise, under an exclusive ``flock`` on a lock file in the target, rebuild: empty the
   target (a symlink to a shared directory is followed, never replaced), run ``apt-get
   install`` for the ``packages`` option if it is not empty, create the venv with
   ``python3 -m venv`` (``use_venv: true``, the default) and ``pip install --no-index
   --find-links wheelhouse/`` every distribution in ``wheelhouse/``; then install
   ``python_packages``; write the marker last. A changed wheelhouse (``upgrade-charm``
   with new dependencies) changes the digest, so the next hook rebuilds.

The target is ``$CHARM_DIR/../.venv`` (next to the charm directory, as layer-basic does),
or ``$CHARM_DIR/../.site-packages`` with ``use_venv: false``: a plain ``pip install
--target`` directory put on ``sys.path``; the system Python is never modified.

Activation uses :func:`site.addsitedir` and puts the new entries at the *front* of
``sys.path`` (plus the venv's ``bin/`` on ``PATH`` for subprocesses), instead of
re-executing the hook under the venv's interpreter: it costs under a millisecond where a
re-exec costs a second interpreter start-up.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import site
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, NamedTuple

# Every hook imports this module; only a first install needs hashlib, shutil and subprocess,
# so they are imported where used (dataclasses, via inspect, alone cost ~7 ms per hook).

__all__ = [
    "BootstrapError",
    "LayerOptions",
    "activate",
    "bootstrap",
    "ensure_ready",
    "read_layer_options",
    "state_digest",
    "target_dir",
]

#: Bump when the layout of the target or the digest changes, to force a rebuild.
FORMAT_VERSION: Final = 1
MARKER_NAME: Final = ".reactive-bootstrap.json"
LOCK_NAME: Final = ".reactive-bootstrap.lock"
#: In the charm dir: the wheelhouse digest keyed by the files' names, sizes and mtimes.
DIGEST_CACHE_NAME: Final = ".reactive-bootstrap-digest.json"
#: Names under which this layer may be included (``layer:<name>``), most specific first.
LAYER_NAMES: Final = ("reactive-base", "basic")
#: Build back-ends installed before the rest when the wheelhouse holds sdists, in this order.
BUILD_BACKENDS: Final = ("setuptools", "flit_core", "wheel", "pbr")
_DIST_SUFFIXES: Final = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


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


class LayerOptions(NamedTuple):
    """This layer's options (``defines:`` in its ``layer.yaml``), with their defaults."""

    packages: tuple[str, ...] = ()
    python_packages: tuple[str, ...] = ()
    use_venv: bool = True
    include_system_packages: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> LayerOptions:
        """Build options from a mapping, ignoring keys this layer does not define."""

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if not isinstance(value, list):
                raise BootstrapError(f"layer option {key!r} must be a list, got {value!r}")
            return tuple(str(item) for item in value)

        return cls(
            packages=strings("packages"),
            python_packages=strings("python_packages"),
            use_venv=_truthy(data.get("use_venv", True)),
            include_system_packages=_truthy(data.get("include_system_packages", False)),
        )


class _Paths:
    """Where things are for one bootstrap: the charm, its wheelhouse, the install target."""

    def __init__(self, charm_dir: Path, wheelhouse: Path, target: Path) -> None:
        self.charm_dir = charm_dir
        self.wheelhouse = wheelhouse
        self.target = target
        self.distributions: list[Path] = []


def bootstrap(charm_dir: str | os.PathLike[str] | None = None) -> None:
    """Make the charm's dependencies importable, installing them first if needed.

    This is what generated hooks call. On failure it prints the error to stderr and
    exits with status 1, so Juju shows a failed hook with pip's explanation.

    Args:
        charm_dir: The charm directory; default ``$CHARM_DIR``, else the parent of ``lib/``.
    """
    try:
        ensure_ready(charm_dir)
    except BootstrapError as err:
        print(f"reactive_bootstrap: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def ensure_ready(charm_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Install (if needed) and activate the charm's dependencies.

    Args:
        charm_dir: The charm directory; default ``$CHARM_DIR``, else the parent of ``lib/``.

    Returns:
        The activated target directory, or None when the charm has nothing to install.

    Raises:
        BootstrapError: apt-get, venv creation or pip failed; the message names the
            package and quotes the tool's stderr.
    """
    root = _charm_dir(charm_dir)
    _prefer_stdlib_distutils()
    _prepend_path(root / "bin")
    options = read_layer_options(root)
    paths = _Paths(root, root / "wheelhouse", target_dir(root, options))
    if paths.wheelhouse.is_dir():
        paths.distributions = _distributions(paths.wheelhouse)
    if not (paths.distributions or options.packages or options.python_packages):
        return None
    digest = _cached_digest(root, paths.distributions, options)
    target = paths.target.resolve()
    if _marker_digest(target) != digest:
        target.mkdir(parents=True, exist_ok=True)
        with _locked(target / LOCK_NAME):
            if _marker_digest(target) != digest:  # another unit may have built it meanwhile
                _build(paths, target, options, digest)
    activate(target, use_venv=options.use_venv)
    return target


def _prefer_stdlib_distutils() -> None:
    """On Python < 3.12, let ``import distutils`` load the standard library's copy.

    setuptools' ``.pth`` makes ``import distutils`` (charmhelpers.core.hookenv does it) load
    setuptools and pkg_resources: 0.1-0.5 s per hook. The stdlib copy exists until 3.12.
    Applied in every hook, whether or not the charm has a wheelhouse, because the hook's own
    interpreter may carry setuptools' ``.pth`` too. An explicit setting is respected.
    """
    if sys.version_info >= (3, 12):
        return
    os.environ.setdefault("SETUPTOOLS_USE_DISTUTILS", "stdlib")
    hack = sys.modules.get("_distutils_hack")  # the interpreter's own setuptools .pth
    remove_shim = getattr(hack, "remove_shim", None)
    if os.environ["SETUPTOOLS_USE_DISTUTILS"] == "stdlib" and callable(remove_shim):
        remove_shim()


def _cached_digest(root: Path, distributions: Sequence[Path], options: LayerOptions) -> str:
    """Return :func:`state_digest`, re-hashing the wheelhouse only when its files changed.

    Hashing a 5 MB wheelhouse costs ~6 ms per hook. The digest is cached in the charm dir,
    keyed by each file's name, size and mtime plus what else the digest covers; a new charm
    (upgrade-charm) brings new files, so the key changes and the wheelhouse is hashed again.
    """
    stats = []
    for path in distributions:
        st = path.stat()
        stats.append([path.name, st.st_size, st.st_mtime_ns])
    key = json.dumps(
        [FORMAT_VERSION, list(sys.version_info[:3]), sys.base_prefix, options._asdict(), stats],
        sort_keys=True,
    )
    cache = root / DIGEST_CACHE_NAME
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if (
            isinstance(data, dict)
            and data.get("key") == key
            and isinstance(data.get("digest"), str)
        ):
            return str(data["digest"])
    except (OSError, ValueError):
        pass
    digest = state_digest(distributions, options)
    with contextlib.suppress(OSError):  # a read-only charm dir only costs the re-hash
        cache.write_text(json.dumps({"key": key, "digest": digest}), encoding="utf-8")
    return digest


def target_dir(charm_dir: Path, options: LayerOptions) -> Path:
    """Return where dependencies are installed: ``../.venv`` or ``../.site-packages``."""
    name = ".venv" if options.use_venv else ".site-packages"
    return charm_dir.absolute().parent / name


def read_layer_options(charm_dir: Path) -> LayerOptions:
    """Read this layer's options from the built charm's ``layer.yaml``.

    charm-build writes every layer's options, defaults filled in, under the layer's include
    name. The base layer is the first entry of ``.build.manifest``; ``reactive-base`` and
    ``basic`` are tried after it. A missing file or section gives the defaults.

    Raises:
        BootstrapError: ``layer.yaml`` exists but cannot be parsed.
    """
    layer_yaml = charm_dir / "layer.yaml"
    if not layer_yaml.is_file():
        return LayerOptions()
    try:
        data = parse_simple_yaml(layer_yaml.read_text(encoding="utf-8"))
    except ValueError as err:
        raise BootstrapError(f"cannot read {layer_yaml}: {err}") from None
    options = data.get("options") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return LayerOptions()
    for name in (*_manifest_base_layer(charm_dir), *LAYER_NAMES):
        section = options.get(name)
        if isinstance(section, dict):
            return LayerOptions.from_mapping(section)
    return LayerOptions()


def state_digest(distributions: Sequence[Path], options: LayerOptions) -> str:
    """Return the sha256 naming one installed state: wheelhouse contents, options, Python."""
    import hashlib  # only when the wheelhouse is (re-)hashed

    digest = hashlib.sha256()
    header = {
        "format": FORMAT_VERSION,
        "python": list(sys.version_info[:2]),
        "implementation": sys.implementation.name,
        "base_prefix": sys.base_prefix,
        "options": options._asdict(),
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    for path in distributions:
        digest.update(b"\0" + path.name.encode() + b"\0")
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def activate(target: Path, *, use_venv: bool = True) -> None:
    """Put an installed target first on ``sys.path`` (and its ``bin/`` first on ``PATH``).

    ``.pth`` files are processed by :func:`site.addsitedir`. Subprocesses find the venv's
    ``python3`` first on ``PATH``; for a ``--target`` directory ``PYTHONPATH`` is set.
    """
    if use_venv:
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        site_dir = target / "lib" / version / "site-packages"
        _prepend_path(target / "bin")
        os.environ["VIRTUAL_ENV"] = str(target)
    else:
        site_dir = target
        _prepend_env("PYTHONPATH", str(target))
    _prefer_stdlib_distutils()
    before = list(sys.path)
    site.addsitedir(str(site_dir))
    added = [entry for entry in sys.path if entry not in before]
    if str(site_dir) in before and str(site_dir) not in added:
        added.insert(0, str(site_dir))
    sys.path[:] = added + [entry for entry in sys.path if entry not in added]


def parse_simple_yaml(text: str) -> object:
    """Parse the YAML subset that charm-build writes into ``layer.yaml``.

    Supported: block mappings and sequences, ``[]``/``{}`` and one-line flow lists,
    plain, single- and double-quoted scalars, ``!!bool``/``!!int``/``!!str`` tags and
    comments. Anything else raises ValueError; PyYAML cannot be used here because it is
    not installed yet.
    """
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        stripped = _strip_comment(raw).rstrip()
        if stripped.strip() and stripped.strip() != "---":
            lines.append((len(stripped) - len(stripped.lstrip(" ")), stripped.strip()))
    if not lines:
        return None
    value, index = _parse_block(lines, 0, lines[0][0])
    if index != len(lines):
        raise ValueError(f"unexpected line: {lines[index][1]!r}")
    return value


# -- building ------------------------------------------------------------------------------


def _build(paths: _Paths, target: Path, options: LayerOptions, digest: str) -> None:
    _clear(target)
    if options.packages:
        _run(
            ["apt-get", "install", "--yes", "--no-install-recommends", *options.packages],
            what=f"Debian packages {' '.join(options.packages)}",
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if options.use_venv:
        venv_cmd = [_base_python(), "-m", "venv"]
        if options.include_system_packages:
            venv_cmd.append("--system-site-packages")
        # ensurepip costs ~3 s; when this interpreter has a pip that can target another
        # one (pip >= 22.3, "--python"), the venv is made without pip and driven by it.
        outer_pip = _outer_pip()
        if outer_pip:
            venv_cmd.append("--without-pip")
        _run([*venv_cmd, str(target)], what=f"the virtualenv {target}")
        venv_python = str(target / "bin" / "python3")
        pip = [*outer_pip, "--python", venv_python] if outer_pip else [venv_python, "-m", "pip"]
        install = [*pip, "install"]
    else:
        pip = [_base_python(), "-m", "pip"]
        install = [*pip, "install", "--target", str(target), "--upgrade"]
    offline = [*install, "--no-index", "--find-links", str(paths.wheelhouse)]
    _install_wheelhouse(offline, paths.distributions)
    if options.python_packages:
        _run(
            [*install, "--find-links", str(paths.wheelhouse), *options.python_packages],
            what=", ".join(options.python_packages),
            env=os.environ,
        )
    marker = {"digest": digest, "wheelhouse": [p.name for p in paths.distributions]}
    (target / MARKER_NAME).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def _install_wheelhouse(offline: list[str], distributions: Sequence[Path]) -> None:
    if not distributions:
        return
    quiet = ["--quiet", "--disable-pip-version-check", "--no-input", "--no-cache-dir"]
    if all(path.name.endswith(".whl") for path in distributions):
        _run([*offline, *quiet, *map(str, distributions)], what=_names(distributions))
        return
    # sdists: install the build back-ends first (their own builds need nothing else), then
    # build the rest against them, as the unit has no index to fetch build requirements.
    backends = [
        path for name in BUILD_BACKENDS for path in distributions if _dist_name(path) == name
    ]
    for path in backends:
        _run([*offline, *quiet, str(path)], what=_names([path]))
    rest = [path for path in distributions if path not in backends]
    if rest:
        cmd = [*offline, *quiet, "--no-build-isolation", *map(str, rest)]
        _run(cmd, what=_names(rest))


def _run(cmd: list[str], *, what: str, env: Mapping[str, str] | None = None) -> None:
    """Run one installer command; on failure raise BootstrapError naming the package."""
    if env is None:  # offline pip: ignore the machine's pip configuration (indexes, caches)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
    import subprocess  # only when installing

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(env), check=False)
    except OSError as err:
        raise BootstrapError(f"cannot run {cmd[0]} to install {what}: {err}", cmd=cmd) from None
    if proc.returncode != 0:
        stderr = proc.stderr.strip() or proc.stdout.strip()
        culprit = _culprit(stderr) or what
        raise BootstrapError(
            f"cannot install {culprit} (exit {proc.returncode}: {' '.join(cmd[:4])} ...):\n"
            f"{stderr}",
            cmd=cmd,
            stderr=stderr,
        )


def _culprit(stderr: str) -> str | None:
    patterns = (
        r"No matching distribution found for (\S+)",
        r"satisfies the requirement (\S+)",
        r"Failed to build (\S+)",
        r"Unable to locate package (\S+)",
        r"Could not build wheels for (\S+)",
    )
    for pattern in patterns:
        match = re.search(pattern, stderr)
        if match:
            return match.group(1)
    return None


def _clear(target: Path) -> None:
    """Empty ``target`` (already resolved) but keep it, its lock file and any symlink to it."""
    import shutil  # only when (re)building

    for child in target.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- small helpers -------------------------------------------------------------------------


def _charm_dir(charm_dir: str | os.PathLike[str] | None) -> Path:
    if charm_dir is not None:
        return Path(charm_dir).absolute()
    if os.environ.get("CHARM_DIR"):
        return Path(os.environ["CHARM_DIR"]).absolute()
    return Path(__file__).absolute().parent.parent


def _base_python() -> str:
    """Return the interpreter to build with: the base one, even when run from a venv."""
    if sys.prefix != sys.base_prefix:
        return getattr(sys, "_base_executable", None) or sys.executable
    return sys.executable


def _outer_pip() -> list[str]:
    """Return ``[python, -m, pip]`` if this interpreter has pip >= 22.3, else []."""
    try:
        from importlib.metadata import version  # here: only needed when building

        parts = version("pip").split(".")[:2]
        if (int(parts[0]), int(parts[1])) >= (22, 3):
            return [sys.executable, "-m", "pip"]
    except (ImportError, ValueError, IndexError):
        pass
    return []


def _distributions(wheelhouse: Path) -> list[Path]:
    return sorted(
        path
        for path in wheelhouse.iterdir()
        if path.is_file() and path.name.endswith(_DIST_SUFFIXES) and not path.name.startswith(".")
    )


def _dist_name(path: Path) -> str:
    """Return the normalised project name of a wheel or sdist file name."""
    name = path.name
    if name.endswith(".whl"):
        project = name.split("-")[0]
    else:
        stem = next(name[: -len(s)] for s in _DIST_SUFFIXES if name.endswith(s))
        project = stem.rsplit("-", 1)[0]
    return re.sub(r"[-_.]+", "_", project).lower()


def _names(distributions: Sequence[Path]) -> str:
    return ", ".join(path.name for path in distributions)


def _marker_digest(target: Path) -> str | None:
    try:
        data = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digest = data.get("digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


def _manifest_base_layer(charm_dir: Path) -> list[str]:
    try:
        manifest = json.loads((charm_dir / ".build.manifest").read_text(encoding="utf-8"))
        url = manifest["layers"][0]["url"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return []
    return [url.split(":", 1)[1]] if isinstance(url, str) and url.startswith("layer:") else []


def _prepend_path(directory: Path) -> None:
    _prepend_env("PATH", str(directory))


def _prepend_env(name: str, entry: str) -> None:
    parts = [p for p in os.environ.get(name, "").split(os.pathsep) if p and p != entry]
    os.environ[name] = os.pathsep.join([entry, *parts])


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "on", "1"}
    return bool(value)


# -- the YAML subset -----------------------------------------------------------------------


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


def _parse_block(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[object, int]:
    if lines[index][1].startswith("- ") or lines[index][1] == "-":
        return _parse_sequence(lines, index, indent)
    return _parse_mapping(lines, index, indent)


def _parse_sequence(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[object, int]:
    items: list[object] = []
    while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("-"):
        rest = lines[index][1][1:].strip()
        index += 1
        if rest:
            if _split_key(rest) is not None:
                raise ValueError(f"mappings inside sequences are not supported: {rest!r}")
            items.append(_scalar(rest))
        elif index < len(lines) and lines[index][0] > indent:
            value, index = _parse_block(lines, index, lines[index][0])
            items.append(value)
        else:
            items.append(None)
    return items, index


def _parse_mapping(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[object, int]:
    result: dict[str, object] = {}
    while index < len(lines) and lines[index][0] == indent:
        pair = _split_key(lines[index][1])
        if pair is None:
            raise ValueError(f"expected 'key: value', got {lines[index][1]!r}")
        key, rest = pair
        index += 1
        if rest:
            result[key] = _scalar(rest)
        elif index < len(lines) and (
            lines[index][0] > indent
            or (lines[index][0] == indent and lines[index][1].startswith("- "))
        ):
            result[key], index = _parse_block(lines, index, lines[index][0])
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


def _scalar(text: str) -> object:
    tag = ""
    if text.startswith("!!"):
        tag, _, text = text.partition(" ")
        text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(item.strip()) for item in _split_flow(inner)] if inner else []
    if text == "{}":
        return {}
    if len(text) >= 2 and text[0] == text[-1] == '"':
        value: object = json.loads(text)
    elif len(text) >= 2 and text[0] == text[-1] == "'":
        value = text[1:-1].replace("''", "'")
    elif tag == "!!str":
        value = text
    else:
        value = _plain(text)
    if tag == "!!bool":
        return _truthy(value)
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
