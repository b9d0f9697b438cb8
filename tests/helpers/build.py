"""What the build tests share: the example charm layers that build on this repository alone."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Charm layers in examples/ that need nothing but this repository (a charm repository with
#: its own interface layers, such as examples/greeter, is tested with the plugin instead).
EXAMPLES = sorted(
    p.name
    for p in (REPO / "examples").iterdir()
    if (p / "layer.yaml").is_file() and not (p / "interfaces").is_dir()
)
