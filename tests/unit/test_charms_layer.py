"""lib/charms/layer/: layer-basic's API (options, import_layer_libs, basic, execd).

In-process tests use this repository's ``charms.layer``; those that need a charm's own
``lib/charms/layer/`` (extra layer libraries, layer:options' ``options.py``) copy the
package into a temporary charm and run a fresh interpreter in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import charms.layer
from charms.layer import basic, execd, options

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib"

BUILT_LAYER_YAML = """\
"includes":
- "layer:basic"
- "layer:status"
"options":
  "basic":
    "packages": []
    "python_packages": []
    "use_venv": !!bool "true"
    "include_system_packages": !!bool "false"
  "status":
    "patch-hookenv": !!bool "true"
  "etcd":
    "etcd_conf_dir": "/etc/ssl/etcd"
    "ports": [2379, 2380]
  "webapp": {}
"is": "webapp"
"""


@pytest.fixture
def charm_dir(tmp_path, monkeypatch):
    """A built-charm-like directory with layer.yaml, named by JUJU_CHARM_DIR."""
    charm = tmp_path / "charm"
    charm.mkdir()
    (charm / "layer.yaml").write_text(BUILT_LAYER_YAML)
    monkeypatch.setenv("JUJU_CHARM_DIR", str(charm))
    monkeypatch.delenv("CHARM_DIR", raising=False)
    return charm


# -- options ----------------------------------------------------------------------------------


def test_options_get_a_section_an_option_and_everything(charm_dir):
    assert options.get("status", "patch-hookenv") is True
    assert options.get("etcd") == {"etcd_conf_dir": "/etc/ssl/etcd", "ports": [2379, 2380]}
    assert set(options.get()) == {"basic", "status", "etcd", "webapp"}
    assert options.get("webapp") == {}


def test_options_is_also_the_old_callable(charm_dir):
    assert options("etcd") == options.get("etcd")
    assert charms.layer.options("basic")["use_venv"] is True
    assert options() == options.get()


def test_options_absent_section_and_option_behave_as_layer_options(charm_dir):
    """layer:options returns {} for an absent section and None for an absent option."""
    assert options.get("nosuch") == {}
    assert options.get("nosuch", "x") is None
    assert options.get("etcd", "nosuch") is None
    assert options("nosuch") == {}


def test_options_require_names_what_is_missing(charm_dir):
    assert options.require("etcd", "ports") == [2379, 2380]
    with pytest.raises(options.LayerOptionError, match=r"layer 'nosuch' in .*layer.yaml") as err:
        options.require("nosuch")
    assert "sections: basic, etcd, status, webapp" in str(err.value)
    assert isinstance(err.value, LookupError)
    with pytest.raises(options.LayerOptionError, match="no option 'port' for the layer 'etcd'"):
        options.require("etcd", "port")


def test_options_errors(charm_dir):
    with pytest.raises(ValueError, match="option 'x' without a section"):
        options.get(option="x")
    (charm_dir / "layer.yaml").unlink()
    with pytest.raises(FileNotFoundError, match=r"no layer\.yaml") as err:
        options.get("basic")
    assert err.value.filename == str(charm_dir / "layer.yaml")


def test_options_returns_copies_and_rereads_a_changed_file(charm_dir):
    options.get("etcd")["ports"].append(1)
    assert options.get("etcd", "ports") == [2379, 2380]
    (charm_dir / "layer.yaml").write_text("options:\n  etcd:\n    ports: [1]\n")
    assert options.get("etcd", "ports") == [1]


def test_options_reads_other_yaml_with_pyyaml_and_names_a_bad_file(charm_dir):
    (charm_dir / "layer.yaml").write_text("options:\n  x:\n    items:\n    - {a: 1}\n")
    assert options.get("x", "items") == [{"a": 1}]
    (charm_dir / "layer.yaml").write_text("options: [unclosed\n")
    with pytest.raises(ValueError, match=r"cannot parse .*layer.yaml"):
        options.get()


def test_options_layer_file_is_relative_to_the_charm(charm_dir):
    (charm_dir / "other.yaml").write_text("options:\n  a:\n    b: 1\n")
    assert options.get("a", "b", layer_file="other.yaml") == 1
    assert options("a", layer_file="other.yaml") == {"b": 1}


def test_options_falls_back_to_charm_dir(charm_dir, monkeypatch):
    monkeypatch.delenv("JUJU_CHARM_DIR")
    monkeypatch.setenv("CHARM_DIR", str(charm_dir))
    assert options.get("status", "patch-hookenv") is True


# -- in a charm of its own: import_layer_libs, layer:options' options.py --------------------


@pytest.fixture
def charm(tmp_path):
    """A charm with this layer's lib/charms/layer and lib/reactive_bootstrap, and layer.yaml."""
    charm = tmp_path / "unit-app-0" / "charm"
    for package in ("charms/layer", "reactive_bootstrap"):
        shutil.copytree(
            LIB / package,
            charm / "lib" / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    (charm / "layer.yaml").write_text(BUILT_LAYER_YAML)
    return charm


def run_in(charm: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter as an action would: cwd = charm, lib/ on the path."""
    script = "import sys; sys.path.append('lib')\n" + textwrap.dedent(code)
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    environ.update({"JUJU_CHARM_DIR": str(charm), "CHARM_DIR": str(charm), **env})
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=charm,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def add_layer_libs(charm: Path) -> None:
    layer = charm / "lib" / "charms" / "layer"
    (layer / "zeta.py").write_text(
        "import builtins\nbuiltins.ORDER = [*getattr(builtins, 'ORDER', []), 'zeta']\n"
    )
    (layer / "alpha").mkdir()
    (layer / "alpha" / "__init__.py").write_text(
        "import builtins\nbuiltins.ORDER = [*getattr(builtins, 'ORDER', []), 'alpha']\n"
        "def hello():\n    return 'hi'\n"
    )
    (layer / "_private.py").write_text("raise RuntimeError('private modules are not libs')\n")
    (layer / "notes.txt").write_text("not a module\n")


def test_import_layer_libs_imports_every_library_sorted(charm):
    add_layer_libs(charm)
    result = run_in(
        charm,
        """
        import builtins, sys
        from charms import layer
        print(layer.import_layer_libs())
        print(builtins.ORDER, layer.alpha.hello())
        print(sorted(m for m in sys.modules if m.startswith('charms.layer.')))
        """,
    )
    assert result.returncode == 0, result.stderr
    imported, order, modules = result.stdout.splitlines()
    assert imported == "['charms.layer.alpha', 'charms.layer.zeta']"
    assert order == "['alpha', 'zeta'] hi"
    assert modules == "['charms.layer.alpha', 'charms.layer.zeta']"


def test_layer_attributes_import_libraries_on_first_use(charm):
    add_layer_libs(charm)
    result = run_in(
        charm,
        """
        import sys
        from charms import layer
        print(layer.alpha.hello(), 'charms.layer.zeta' in sys.modules)
        print(layer.options.get('status', 'patch-hookenv'))
        print('yaml' in sys.modules, 'charmhelpers' in sys.modules)
        try:
            layer.nosuch
        except AttributeError as err:
            print(err)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "hi False",
        "True",
        "False False",
        "module 'charms.layer' has no attribute 'nosuch'",
    ]


LAYER_OPTIONS_STYLE = '''\
"""A stand-in for layer:options' options.py: PyYAML, get() only, not callable by itself."""
import os
from pathlib import Path

import yaml

_PATH = Path(os.environ.get("JUJU_CHARM_DIR", "."))


def get(section=None, option=None, layer_file=_PATH / "layer.yaml"):
    if option and not section:
        raise ValueError("option without section")
    data = yaml.safe_load((_PATH / layer_file).read_text()).get("options", {})
    if section:
        data = data.get(section, {})
    if option:
        data = data.get(option)
    return data
'''


@pytest.mark.parametrize(
    "first_import",
    [
        "from charms.layer import options",
        "import charms.layer.options",
        "from charms import layer; layer.options",
        "from charms.layer import basic",
    ],
)
def test_layer_options_own_options_py_is_callable_too(charm, first_import):
    """A charm that includes layer:options gets its options.py instead of ours."""
    (charm / "lib" / "charms" / "layer" / "options.py").write_text(LAYER_OPTIONS_STYLE)
    result = run_in(
        charm,
        f"""
        {first_import}
        from charms import layer
        print(layer.options('etcd')['ports'], layer.options.get('status', 'patch-hookenv'))
        opts = layer.options
        print(opts.get('nosuch'), callable(opts), hasattr(opts, 'require'))
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[2379, 2380] True", "{} True False"]


def test_activate_venv_bootstraps_and_imports_layer_libs(charm):
    add_layer_libs(charm)
    result = run_in(
        charm,
        """
        import builtins, os
        from charms.layer.basic import activate_venv
        activate_venv()
        print(builtins.ORDER, os.environ['PATH'].split(':')[0])
        from charms import layer
        print(layer.options('basic')['use_venv'])
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"['alpha', 'zeta'] {charm / 'bin'}", "True"]


# -- basic ----------------------------------------------------------------------------------


@pytest.fixture
def fake_apt(tmp_path, monkeypatch):
    """apt-get on PATH that logs its arguments and environment, and fails as told.

    ``fake_apt(failures=[...])``: the output of each failing ``install`` run in turn (exit
    100), then success. Returns the log file: one line per call.
    """
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    script = bin_dir / "apt-get"

    def install(failures=()):
        for index, text in enumerate(failures):
            (tmp_path / f"failure-{index}").write_text(text)
        script.write_text(
            textwrap.dedent(
                f"""\
                #!/bin/sh
                echo "$DEBIAN_FRONTEND $LANG | $*" >> {log}
                [ "$1" = update ] && exit 0
                n=$(grep -c ' install ' {log})
                f={tmp_path}/failure-$((n - 1))
                if [ -f "$f" ]; then cat "$f" >&2; exit 100; fi
                exit 0
                """
            )
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
        monkeypatch.delenv("DEBIAN_FRONTEND", raising=False)
        monkeypatch.delenv("LANG", raising=False)
        return log

    return install


def test_apt_install_runs_apt_get_non_interactively(fake_apt):
    log = fake_apt()
    basic.apt_install(["jq", "curl"])
    basic.apt_install("tree")
    basic.apt_install([])
    assert log.read_text().splitlines() == [
        "noninteractive C.UTF-8 | --option=Dpkg::Options::=--force-confold --assume-yes "
        "install jq curl",
        "noninteractive C.UTF-8 | --option=Dpkg::Options::=--force-confold --assume-yes "
        "install tree",
    ]


def test_apt_install_waits_for_the_dpkg_lock(fake_apt):
    lock = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42\n"
    log = fake_apt(failures=[lock, lock])
    basic.apt_install(["jq"], retry_delay=0)
    calls = [line.split("| ")[1] for line in log.read_text().splitlines()]
    assert [c.split()[-2:] for c in calls] == [["install", "jq"]] * 3  # no update for a lock


def test_apt_install_updates_the_index_once_then_fails_naming_the_package(fake_apt):
    missing = "E: Unable to locate package nosuch\n"
    log = fake_apt(failures=[missing, missing, missing])
    with pytest.raises(basic.AptInstallError) as err:
        basic.apt_install(["jq", "nosuch"], retry_delay=0)
    assert isinstance(err.value, subprocess.CalledProcessError)
    assert err.value.returncode == 100
    assert err.value.package == "nosuch"
    message = str(err.value)
    assert message.startswith("cannot install Debian package nosuch (apt-get exit 100")
    assert "E: Unable to locate package nosuch" in message
    calls = [line.split("| ")[1].split()[-1] for line in log.read_text().splitlines()]
    assert calls == ["nosuch", "update", "nosuch"]


def test_apt_install_without_apt_get(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="cannot run apt-get to install jq"):
        basic.apt_install("jq", retry_delay=0)


@pytest.mark.parametrize(
    ("files", "series"),
    [
        (
            {
                "os-release": 'NAME="Ubuntu"\nVERSION_ID="22.04"\n# c\n\nID=ubuntu\n'
                "VERSION_CODENAME=jammy\nPRETTY_NAME='Ubuntu 22.04.3 LTS'\n"
            },
            "ubuntu22.04",
        ),
        ({"redhat-release": "CentOS Linux release 7.7.1908 (Core)\n"}, "centos7"),
        ({"lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_CODENAME=focal\n"}, "focal"),
        ({}, "unknown"),
    ],
    ids=["os-release", "redhat", "lsb", "none"],
)
def test_get_series(tmp_path, files, series):
    (tmp_path / "etc").mkdir()
    for name, text in files.items():
        (tmp_path / "etc" / name).write_text(text)
    assert basic.get_series(root=tmp_path) == series


def test_get_series_of_this_machine_is_a_string():
    assert isinstance(basic.get_series(), str)
    assert basic.get_series()


def test_lsb_release(tmp_path):
    (tmp_path / "etc").mkdir()
    with pytest.raises(FileNotFoundError, match="lsb-release"):
        basic.lsb_release(root=tmp_path)
    (tmp_path / "etc" / "lsb-release").write_text(
        'DISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04"\n'
    )
    assert basic.lsb_release(root=tmp_path) == {
        "DISTRIB_CODENAME": "jammy",
        "DISTRIB_DESCRIPTION": "Ubuntu 22.04",
    }


def test_config_states_are_left_to_main():
    assert basic.init_config_states() is None
    assert basic.clear_config_states() is None


def test_install_or_update_charm_env(charm_dir, tmp_path, monkeypatch):
    (charm_dir / "bin").mkdir()
    shutil.copy(ROOT / "bin" / "charm-env", charm_dir / "bin" / "charm-env")
    target_dir = tmp_path / "sbin"
    monkeypatch.setenv("CHARM_ENV_INSTALL_DIR", str(target_dir))
    assert basic.install_or_update_charm_env() == target_dir / "charm-env"
    assert basic.install_or_update_charm_env() is None  # identical: left alone
    assert os.access(target_dir / "charm-env", os.X_OK)
    monkeypatch.setenv("CHARM_ENV_INSTALL_DIR", "")
    assert basic.install_or_update_charm_env() is None


# -- execd ----------------------------------------------------------------------------------


def write_script(execd_dir: Path, module: str, body: str, *, executable: bool = True) -> Path:
    script = execd_dir / module / "charm-pre-install"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755 if executable else 0o644)
    return script


def test_execd_preinstall_runs_each_script_once_in_order(charm_dir, capfd):
    execd_dir = charm_dir / "exec.d"
    log = charm_dir / "ran"
    second = write_script(execd_dir, "20-b", f'echo b >> {log}; echo "b says $CHARM_DIR"')
    first = write_script(execd_dir, "10-a", f"echo a >> {log}")
    write_script(execd_dir, "30-off", f"echo off >> {log}", executable=False)
    (execd_dir / ".hidden").mkdir()
    assert list(execd.execd_submodule_paths("charm-pre-install")) == [str(first), str(second)]
    assert execd.execd_preinstall() == [str(first), str(second)]
    assert log.read_text() == "a\nb\n"
    assert f"b says {charm_dir}" in capfd.readouterr().out
    assert execd.execd_sentinel_path(str(first)) == str(execd_dir / ".10-a_charm-pre-install.done")
    assert (execd_dir / ".10-a_charm-pre-install.done").exists()
    assert execd.execd_preinstall() == []  # each succeeded once: not again
    assert log.read_text() == "a\nb\n"


def test_execd_failure_names_the_script_and_its_output(charm_dir):
    execd_dir = charm_dir / "exec.d"
    write_script(execd_dir, "10-fails", "echo proxy unreachable >&2; exit 3")
    later = write_script(execd_dir, "20-later", "true")
    with pytest.raises(execd.ExecdError) as err:
        execd.execd_preinstall()
    assert err.value.returncode == 3
    assert str(err.value) == (
        f"{execd_dir / '10-fails' / 'charm-pre-install'} failed (exit 3); its output:\n"
        "proxy unreachable\n"
    )
    assert not list(execd_dir.glob(".*.done"))

    # Without stop_on_error: reported where asked, the others still run.
    report = charm_dir / "report"
    with report.open("w") as stream:
        assert execd.execd_run("charm-pre-install", stop_on_error=False, stderr=stream) == [
            str(later)
        ]
    assert "10-fails/charm-pre-install failed (exit 3)" in report.read_text()


def test_execd_without_directory_does_nothing(charm_dir):
    assert execd.execd_preinstall() == []
    assert list(execd.execd_module_paths()) == []


def test_options_hands_yaml_beyond_the_subset_to_pyyaml_never_misreads_it(charm):
    (charm / "layer.yaml").write_text(
        "options:\n  x:\n    flow: {a: 1}\n    nested: [[1, 2]]\n    anchor: &v [3]\n"
        "    alias: *v\n"
    )
    result = run_in(
        charm,
        """
        import sys
        from charms.layer import options
        print(sys.modules.get('yaml') is None, options.get('x'), 'yaml' in sys.modules)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True {'flow': {'a': 1}, 'nested': [[1, 2]], 'anchor': [3], 'alias': [3]} True"
    )


def test_importing_charms_layer_imports_only_the_standard_library(charm):
    result = run_in(
        charm,
        """
        import sys
        from charms import layer
        from charms.layer import basic, execd, options
        options.get('basic')
        print(sorted(m for m in ('yaml', 'charmhelpers', 'charms.reactive') if m in sys.modules))
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "path", sorted((LIB / "charms" / "layer").glob("*.py")), ids=lambda p: p.name
)
def test_charms_layer_modules_import_only_stdlib_and_this_layer(path):
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    allowed = set(sys.stdlib_module_names) | {"__future__", "reactive_bootstrap", "charms", "yaml"}
    assert names <= allowed
    charms_imports = {
        node.module
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("charms")
    }
    assert all(name == "charms" or name.startswith("charms.layer") for name in charms_imports)
