"""The main job: build the example charms with charm-build, run them in the Juju emulator.

``./dev demo`` runs this. It builds every charm layer in ``examples/`` offline from this base
layer and ``interfaces/``, deploys them into an emulated model, relates them, scales out and
in, removes a relation, and prints a timeline of every hook (unit, exit code, duration,
hook-tool calls, flags set and cleared, relation data committed; a header line names the
columns and a legend explains them) and the final state.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from devtools.charmbuild import CharmBuildError, build_charm
from reactive_harness import HarnessError, HookRecord, Model, Relation
from reactive_harness.timeline import format_header, format_timeline

__all__ = ["main", "run_demo"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = ("db", "webapp", "proxy", "ring", "dbserver", "dbclient")


def _say(text: str = "") -> None:
    print(text, flush=True)


def _section(title: str) -> None:
    _say()
    _say(f"== {title} " + "=" * max(0, 90 - len(title)))


def build_examples(out: Path) -> dict[str, Path]:
    """Build each example; return charm name -> built charm dir."""
    built = {}
    for name in EXAMPLES:
        start = time.monotonic()
        built[name] = build_charm(REPO / "examples" / name, out)
        _say(f"  built {name:<8} -> {built[name]}  ({time.monotonic() - start:.1f} s)")
    return built


def _conversations(model: Model, unit: str) -> list[str]:
    convs = model.unit_kv(unit, "reactive.conversations.")
    return sorted(
        f"{value['namespace']}.{value['scope']} units={','.join(value['units'])}"
        for key, value in convs.items()
        if ".local-data." not in key and isinstance(value, dict)
    )


def show_state(model: Model) -> None:
    """Print flags and conversations of every unit, and every relation's data."""
    for app in model.applications:
        for unit in app.units:
            flags = sorted(f for f in unit.flags if not f.startswith("config."))
            _say(f"  {unit.name:<10} flags: {' '.join(flags) or '-'}")
            for conv in _conversations(model, unit.name):
                _say(f"  {'':<10} conversation {conv}")
    for rel in model.relations:
        _say(f"  relation {rel.id} ({' <-> '.join(rel.endpoints)}, interface {rel.interface})")
        apps = dict.fromkeys(end.split(":")[0] for end in rel.endpoints)
        owners = [u.name for app in apps for u in model.app(app).units] + list(apps)
        for owner in owners:
            data = rel.data(owner)
            if data:
                shown = ", ".join(f"{k}={v[:30]}" for k, v in sorted(data.items()))
                _say(f"      {owner:<10} {shown}")


def run_demo(root: Path, *, keep: bool = False) -> int:
    """Build the examples and run the scenario; return an exit code."""
    build_dir = root / "build"
    model_dir = root / "model"
    shutil.rmtree(model_dir, ignore_errors=True)
    _section("Building the example charms with charm-build (offline)")
    try:
        charms = build_examples(build_dir)
    except CharmBuildError as err:
        _say(f"build failed: {err}")
        return 1
    model = Model(model_dir, share_venv=True, cache_dir=root / "venvs", name="demo")
    seen = 0

    def step(title: str, action: Callable[[], object]) -> None:
        nonlocal seen
        _section(title)
        start = time.monotonic()
        action()
        records: list[HookRecord] = model.records[seen:]
        seen = len(model.records)
        _say(format_timeline(records))
        _say(f"  ({len(records)} hooks in {time.monotonic() - start:.1f} s)")

    _say()
    _say("\n".join(format_header()))  # once: the columns and legend of every step's timeline
    try:
        step(
            "Deploy db (1 unit), webapp (2), proxy (1), ring (2), dbserver (1), dbclient (1)",
            lambda: [
                model.deploy(charms["db"], num_units=1),
                model.deploy(charms["webapp"], num_units=2),
                model.deploy(charms["proxy"], num_units=1),
                model.deploy(charms["ring"], num_units=2),
                model.deploy(charms["dbserver"], num_units=1),
                model.deploy(charms["dbclient"], num_units=1),
            ],
        )
        step(
            "Relate webapp:database <-> db:db (SERVICE scope: one conversation per app)",
            lambda: model.relate("webapp:database", "db:db"),
        )
        step(
            "Relate dbclient:database <-> dbserver:db (Endpoint request/response; dbclient also "
            "provides http with RelationBase: both APIs in one hook)",
            lambda: model.relate("dbclient:database", "dbserver:db"),
        )
        relations: dict[str, Relation] = {}
        step(
            "Relate proxy:backend <-> webapp:website (http: GLOBAL provides, UNIT requires)",
            lambda: relations.setdefault("web", model.relate("proxy:backend", "webapp:website")),
        )
        step(
            "Scale out: add-unit webapp, add-unit ring",
            lambda: [model.add_unit("webapp"), model.add_unit("ring")],
        )
        step("Scale in: remove-unit webapp/1", lambda: model.remove_unit("webapp/1"))
        step(
            "Unrelate proxy <-> webapp (departed for each unit, then broken)",
            lambda: model.unrelate(relations["web"]),
        )
        _section("Final state: flags, conversations, relation data")
        show_state(model)
    except HarnessError as err:
        _say(f"\nthe emulator stopped: {err}")
        return 1
    finally:
        model.close()
        if not keep:
            shutil.rmtree(model_dir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the demo (``./dev demo``)."""
    parser = argparse.ArgumentParser(prog="./dev demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=REPO / ".cache" / "demo",
        help="work directory (builds, venv cache, model)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the model's unit directories")
    args = parser.parse_args(argv)
    return run_demo(args.root, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
