"""Command line: ``python -m reactive_harness run SCENARIO.yaml`` prints a hook timeline."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from reactive_harness.errors import HarnessError, HookFailedError
from reactive_harness.model import Model
from reactive_harness.records import HookRecord
from reactive_harness.scenario import load_scenario, run_step
from reactive_harness.timeline import format_header, format_record


def _describe(name: str, arg: object) -> str:
    text = arg if isinstance(arg, str) else repr(arg)
    return f"{name} {text}" if arg is not None else name


def run(path: Path, root: Path | None, fail_fast: bool) -> int:
    """Run a scenario and print its timeline; return the exit code.

    The timeline opens with its column names and legend; an ``exec`` step's line is followed
    by the command's stdout and stderr, and its exit code when non-zero.
    """
    options, steps = load_scenario(path)
    model = Model(
        root,
        juju_version=str(options.get("juju-version", "3.6.0")),
        fail_fast=fail_fast,
    )
    failed = 0
    print("\n".join(format_header()))
    try:
        for number, (name, arg) in enumerate(steps, 1):
            print(f"== step {number}: {_describe(name, arg)}")
            start = len(model.records)
            error: HarnessError | None = None
            result: object = None
            try:
                result = run_step(model, name, arg, path.parent)
            except HookFailedError as err:
                error = err
            # An exec step's command: what it wrote, after its own timeline line.
            command = result if name == "exec" and isinstance(result, HookRecord) else None
            for record in model.records[start:]:
                print("\n".join(format_record(record, output=record is command)))
                failed += record.failed
            if error is not None:
                print(f"!! {error}".splitlines()[0])
                return 1
        calls = Counter(c.tool for r in model.records for c in r.tool_calls)
        print(f"== {len(model.records)} hooks, {failed} failed, {sum(calls.values())} tool calls")
        for unit in model.state.units.values():
            if not unit.removed:
                error_note = f"  [error: {unit.error.hook}]" if unit.error else ""
                print(
                    f"   {unit.name:<16} {unit.status.status}: {unit.status.message}{error_note}"
                )
    finally:
        model.close()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it."""
    parser = argparse.ArgumentParser(prog="python -m reactive_harness")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run a scenario file and print the hook timeline")
    run_parser.add_argument("scenario", type=Path)
    run_parser.add_argument("--root", type=Path, help="keep the model's files in this directory")
    run_parser.add_argument(
        "--keep-going",
        action="store_true",
        help="do not stop at the first failed hook (the unit stays in error)",
    )
    args = parser.parse_args(argv)
    try:
        return run(args.scenario, args.root, not args.keep_going)
    except HarnessError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
