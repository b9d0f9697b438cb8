"""lib/reactive_bootstrap/: options, the YAML subset, and real offline installs.

The install tests use hand-made wheels (no network, no charm-build) and a real
``python3 -m venv``; each one creates a venv, so they take a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import reactive_bootstrap as rb

BUILT_LAYER_YAML = """\
# a comment
"exclude":
- ".ci"
- "*.pyc"
"options":
  "reactive-base":
    "packages": []
    "python_packages":
    - "six"
    - 'foo==1.0'
    "use_venv": !!bool "false"
    "include_system_packages": !!bool "true"
  "webapp": {}
  "count": !!int "3"
"includes":
- "layer:reactive-base"
- "interface:http"
"repo": "https://example.com/x#frag"  # trailing comment
"is": "webapp"
"""


@pytest.fixture
def charm(tmp_path):
    """A built-charm-like directory: lib/reactive_bootstrap/ and an empty wheelhouse/."""
    charm_dir = tmp_path / "unit-app-0" / "charm"
    (charm_dir / "lib").mkdir(parents=True)
    (charm_dir / "wheelhouse").mkdir()
    shutil.copytree(
        Path(rb.__file__).parent,
        charm_dir / "lib" / "reactive_bootstrap",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return charm_dir


def run_bootstrap(
    charm_dir: Path, code: str = "", *, python_args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run the bootstrap as a hook does, in a fresh interpreter, then ``code``."""
    script = (
        "import sys; sys.path.insert(0, 'lib'); import reactive_bootstrap;"
        f"reactive_bootstrap.bootstrap(); {code}"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["CHARM_DIR"] = str(charm_dir)
    return subprocess.run(
        [sys.executable, *python_args, "-c", script],
        cwd=charm_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_parse_simple_yaml_matches_pyyaml_on_charm_build_output():
    assert rb.parse_simple_yaml(BUILT_LAYER_YAML) == yaml.safe_load(BUILT_LAYER_YAML)


@pytest.mark.parametrize(
    "text",
    ["a: [1, 'x, y', \"z\"]", "a:\n  b:\n    - 1\n    - two\n  c: ~", "'q k': 'it''s'", ""],
    ids=["flow-list", "nested", "quoted-key", "empty"],
)
def test_parse_simple_yaml_subset(text):
    assert rb.parse_simple_yaml(text) == yaml.safe_load(text)


def test_parse_simple_yaml_rejects_mappings_in_sequences():
    with pytest.raises(ValueError, match="mappings inside sequences"):
        rb.parse_simple_yaml("a:\n- b: 1\n")


def test_read_layer_options_uses_the_base_layer_section(tmp_path):
    (tmp_path / "layer.yaml").write_text(BUILT_LAYER_YAML)
    options = rb.read_layer_options(tmp_path)
    assert options == rb.LayerOptions(
        packages=(),
        python_packages=("six", "foo==1.0"),
        use_venv=False,
        include_system_packages=True,
    )


def test_read_layer_options_finds_the_layer_under_the_name_basic(tmp_path):
    (tmp_path / "layer.yaml").write_text('"options":\n  "basic":\n    "packages": ["jq"]\n')
    manifest = {"layers": [{"url": "layer:basic", "rev": ""}], "signatures": {}}
    (tmp_path / ".build.manifest").write_text(json.dumps(manifest))
    assert rb.read_layer_options(tmp_path).packages == ("jq",)


def test_read_layer_options_defaults_without_layer_yaml(tmp_path):
    assert rb.read_layer_options(tmp_path) == rb.LayerOptions()


def test_bootstrap_without_wheelhouse_only_puts_bin_on_path(charm):
    (charm / "wheelhouse").rmdir()
    result = run_bootstrap(charm, "import os; print(os.environ['PATH'].split(':')[0])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(charm / "bin")
    assert not (charm.parent / ".venv").exists()


def test_bootstrap_installs_the_wheelhouse_offline_into_a_venv(charm, make_wheel):
    make_wheel(charm / "wheelhouse", "tinydep")
    make_wheel(charm / "wheelhouse", "tinypkg", requires=("tinydep",))
    result = run_bootstrap(charm, "import tinypkg, tinydep; print(tinypkg.__file__)")
    assert result.returncode == 0, result.stderr
    venv = charm.parent / ".venv"
    assert result.stdout.strip().startswith(str(venv / "lib"))
    marker = json.loads((venv / rb.MARKER_NAME).read_text())
    assert marker["wheelhouse"] == ["tinydep-1.0-py3-none-any.whl", "tinypkg-1.0-py3-none-any.whl"]

    # Later hooks: the marker matches, nothing is rebuilt, the packages are importable.
    pyvenv_cfg = (venv / "pyvenv.cfg").stat()
    again = run_bootstrap(charm, "import tinypkg, os; print(os.environ['VIRTUAL_ENV'])")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(venv)
    assert (venv / "pyvenv.cfg").stat().st_ino == pyvenv_cfg.st_ino

    # upgrade-charm with a new wheelhouse: rebuilt, the old package is gone.
    (charm / "wheelhouse" / "tinypkg-1.0-py3-none-any.whl").unlink()
    make_wheel(charm / "wheelhouse", "tinypkg", version="2.0", requires=("tinydep",))
    upgraded = run_bootstrap(charm, "import tinypkg; print(tinypkg.VERSION)")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == "2.0"


EXTEND_PATH = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"


def test_a_charms_reactive_from_the_wheelhouse_never_shadows_the_layers(charm, make_wheel):
    # Charms written for layer-basic pin charms.reactive==1.5.3 in their wheelhouse.txt.
    make_wheel(
        charm / "wheelhouse",
        "charms_reactive",
        version="1.5.3",
        modules={
            "charms/__init__.py": EXTEND_PATH,
            "charms/reactive/__init__.py": "WHO = 'wheelhouse'\n",
            "charms/reactive/bus.py": "",
        },
    )
    make_wheel(charm / "wheelhouse", "needsreactive", requires=("charms.reactive",))
    ours = charm / "lib" / "charms" / "reactive"
    ours.mkdir(parents=True)
    (ours / "__init__.py").write_text("WHO = 'layer'\n")
    code = "import charms.reactive, needsreactive; print(charms.reactive.WHO)"

    result = run_bootstrap(charm, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "layer"
    assert result.stderr.count("charms.reactive 1.5.3 from the wheelhouse is not used") == 1
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site = charm.parent / ".venv" / "lib" / version / "site-packages"
    assert (site / "needsreactive.py").is_file()  # the rest of the wheelhouse is installed
    assert not (site / "charms").exists()  # the whole distribution went, charms/__init__ too
    assert not list(site.glob("charms_reactive-*"))

    again = run_bootstrap(charm, code)  # a later hook: nothing rebuilt, nothing said
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "layer"
    assert "not used" not in again.stderr


def test_bootstrap_reports_the_missing_package_and_pip_stderr(charm, make_wheel):
    make_wheel(charm / "wheelhouse", "needy", requires=("nowhere-to-be-found",))
    result = run_bootstrap(charm)
    assert result.returncode == 1
    assert "cannot install nowhere-to-be-found" in result.stderr
    assert "No matching distribution found" in result.stderr
    assert not (charm.parent / ".venv" / rb.MARKER_NAME).exists()


def test_bootstrap_builds_through_a_venv_symlink_to_an_empty_shared_dir(
    charm, tmp_path, make_wheel
):
    shared = tmp_path / "shared-venvs" / "app"
    shared.mkdir(parents=True)
    (charm.parent / ".venv").symlink_to(shared, target_is_directory=True)
    make_wheel(charm / "wheelhouse", "tinypkg")
    result = run_bootstrap(charm, "import tinypkg; print(tinypkg.__file__)")
    assert result.returncode == 0, result.stderr
    assert (charm.parent / ".venv").is_symlink()
    assert result.stdout.strip().startswith(str(shared))

    # A second unit of the same application reuses the shared venv as it is.
    other = tmp_path / "unit-app-1" / "charm"
    other.parent.mkdir()
    subprocess.run(["cp", "-a", str(charm), str(other)], check=True)
    (other.parent / ".venv").symlink_to(shared, target_is_directory=True)
    cfg_inode = (shared / "pyvenv.cfg").stat().st_ino
    second = run_bootstrap(other, "import tinypkg")
    assert second.returncode == 0, second.stderr
    assert (shared / "pyvenv.cfg").stat().st_ino == cfg_inode


def test_bootstrap_without_venv_installs_into_a_plain_target(charm, make_wheel):
    (charm / "layer.yaml").write_text("options:\n  reactive-base:\n    use_venv: false\n")
    make_wheel(charm / "wheelhouse", "tinypkg")
    result = run_bootstrap(charm, "import tinypkg; print(tinypkg.__file__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(charm.parent / ".site-packages" / "tinypkg.py")
    assert not (charm.parent / ".venv").exists()


def test_bootstrap_runs_apt_get_only_for_listed_packages(charm, tmp_path, make_wheel):
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    calls = tmp_path / "apt-calls"
    apt = fake_bin / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    apt.chmod(0o755)
    (charm / "layer.yaml").write_text('options:\n  reactive-base:\n    packages: ["jq", "curl"]\n')
    make_wheel(charm / "wheelhouse", "tinypkg")
    env_path = f"{fake_bin}:{os.environ['PATH']}"
    script = "import sys; sys.path.insert(0, 'lib'); import reactive_bootstrap as r; r.bootstrap()"
    env = {**os.environ, "PATH": env_path, "CHARM_DIR": str(charm)}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=charm,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert calls.read_text().split("\n")[0] == "install --yes --no-install-recommends jq curl"


def test_bootstrap_uses_ensurepip_when_the_hook_python_has_no_pip(charm, make_wheel):
    """``-S``: no site-packages, so no pip to drive the venv from outside."""
    make_wheel(charm / "wheelhouse", "tinypkg")
    result = run_bootstrap(charm, "import tinypkg", python_args=("-S",))
    assert result.returncode == 0, result.stderr
    venv = charm.parent / ".venv"
    assert list((venv / "lib").glob("python3.*/site-packages/pip"))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="stdlib distutils is gone from 3.12")
def test_bootstrap_makes_distutils_the_stdlib_copy_even_without_wheelhouse(charm):
    (charm / "wheelhouse").rmdir()
    result = run_bootstrap(
        charm,
        "import os, distutils; print(os.environ['SETUPTOOLS_USE_DISTUTILS'], distutils.__file__)",
    )
    assert result.returncode == 0, result.stderr
    setting, location = result.stdout.split()
    assert setting == "stdlib"
    assert "setuptools" not in location


def test_bootstrap_caches_the_wheelhouse_digest_in_the_charm_dir(charm, make_wheel):
    make_wheel(charm / "wheelhouse", "tinydep")
    assert run_bootstrap(charm).returncode == 0
    cache = json.loads((charm / rb.DIGEST_CACHE_NAME).read_text())
    marker = json.loads((charm.parent / ".venv" / rb.MARKER_NAME).read_text())
    wheels = sorted((charm / "wheelhouse").iterdir())
    options = rb.read_layer_options(charm)
    assert cache["digest"] == marker["digest"] == rb.state_digest(wheels, options)

    # A wheel replaced by another of the same name (new content, size and mtime): re-hashed.
    make_wheel(charm / "wheelhouse", "tinydep", version="1.0", requires=("tinypkg",))
    assert run_bootstrap(charm).returncode != 0  # tinypkg is not in the wheelhouse
    again = json.loads((charm / rb.DIGEST_CACHE_NAME).read_text())
    assert again["key"] != cache["key"]
    assert again["digest"] == rb.state_digest(sorted((charm / "wheelhouse").iterdir()), options)
