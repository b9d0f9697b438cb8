"""docs/testing-your-charm.md followed word for word: a charm repository tests itself.

The guide's files are written into an empty directory outside this repository, its shell
commands are run as written (``/path/to/reactive-base`` is this repository), and the charm's
own pytest run, with this project installed by pip into the charm's venv, must pass.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from helpers.build import REPO

GUIDE = REPO / "docs" / "testing-your-charm.md"
EXAMPLE = REPO / "examples" / "greeter"
FILE_BLOCK = re.compile(r"^`([^`]+)`:\n\n```\w*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def guide_files() -> dict[str, str]:
    return {path: text for path, text in FILE_BLOCK.findall(GUIDE.read_text())}


def guide_commands() -> list[list[str]]:
    blocks = CONSOLE_BLOCK.findall(GUIDE.read_text())
    return [[line[2:] for line in block.splitlines() if line.startswith("$ ")] for block in blocks]


def test_the_guide_shows_the_example_repository_as_it_is():
    files = guide_files()
    assert files, "no file in the guide"
    for path, text in files.items():
        assert (EXAMPLE / path).read_text() == text, path


@pytest.mark.e2e
def test_a_charm_repository_written_from_the_guide_passes_its_own_tests(tmp_path):
    make_dirs, run = guide_commands()
    script = [*make_dirs]
    for path, text in guide_files().items():
        script.append(f"cat > {path} <<'GUIDE_EOF'\n{text}GUIDE_EOF")
    script += [c.replace("/path/to/reactive-base", str(REPO)) for c in run]
    env = {
        **os.environ,
        # The guide's optional setting, to reuse this repository's charm-tools and wheels.
        "REACTIVE_HARNESS_CACHE": str(REPO / ".cache"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert re.search(r"\b4 passed\b", proc.stdout), output[-4000:]
    # Installed, not borrowed from this checkout: the charm's venv has its own copy.
    installed = list((tmp_path / "greeter" / ".venv").glob("lib/python3*/site-packages"))
    assert installed
    assert (installed[0] / "reactive_harness" / "_layer" / "layer.yaml").is_file()
    # The guide's repository has no README: charm-build's proof warned, the builds went on.
    assert not (tmp_path / "greeter" / "README.md").exists()
