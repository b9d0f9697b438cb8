"""Run the benchmark: ``python -m bench`` from the repository root (see bench/README.md)."""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "lib") not in sys.path:  # the in-process set-up imports this layer's lib
    sys.path.insert(0, str(REPO / "lib"))

from bench import report, startup  # noqa: E402
from bench.assemble import APIS, assemble_ours, assemble_reference  # noqa: E402
from bench.scenario import Scenario, interleave, measure_noop, measure_scale_out  # noqa: E402
from bench.targets import check_targets  # noqa: E402


def _ns(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def _apis(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = sorted(set(names) - set(APIS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"want a list of {', '.join(APIS)}, got {text!r}")
    return [api for api in APIS if api in names]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--api",
        type=_apis,
        default=list(APIS),
        help="relations APIs to measure, comma-separated (default: relationbase,endpoint)",
    )
    parser.add_argument("--ours", type=_ns, default=[1, 10, 100, 1000], help="N list for ours")
    parser.add_argument("--reference", type=_ns, default=[1, 10, 100], help="N list for ref")
    parser.add_argument(
        "--endpoint-ours",
        type=_ns,
        default=[1, 10, 100],
        help="N list for ours, Endpoint scenario (its set-ups cost more: smaller default)",
    )
    parser.add_argument(
        "--endpoint-reference",
        type=_ns,
        default=[1, 10, 100],
        help="N list for the reference, Endpoint scenario",
    )
    parser.add_argument(
        "--reference-1000",
        action="store_true",
        help="also run the reference at N=1000, RelationBase scenario (2000 set-up hooks at "
        "~0.5 s: many minutes)",
    )
    parser.add_argument(
        "--scale-out-ours",
        type=_ns,
        default=[10, 100, 1000],
        help="N list of the scale-out measurement, ours (client hooks in-process)",
    )
    parser.add_argument(
        "--scale-out-reference",
        type=_ns,
        default=[10],
        help="N list of the scale-out measurement, reference (its O(N^2) costs hours at 1000)",
    )
    parser.add_argument("--no-reference", action="store_true", help="measure this layer only")
    parser.add_argument("--runs", type=int, default=5, help="repetitions per measurement (>=5)")
    parser.add_argument(
        "--subprocess-setup",
        action="store_true",
        help="run this layer's set-up hooks as processes too (slower; default in-process)",
    )
    parser.add_argument("--no-tool-cost", action="store_true", help="skip the emulator's cost")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--work", type=Path, default=None, help="scratch dir (default: temp)")
    return parser.parse_args(argv)


def _plan(args: argparse.Namespace, api: str, frameworks: list[str]) -> dict[str, list[int]]:
    """The N list of each framework for one API's scenario."""
    if api == "endpoint":
        lists = {"ours": args.endpoint_ours, "reference": args.endpoint_reference}
    else:
        extra = {1000} if args.reference_1000 else set()
        lists = {"ours": args.ours, "reference": sorted(set(args.reference) | extra)}
    return {fw: lists[fw] for fw in frameworks}


def measure_api(
    args: argparse.Namespace, api: str, pythons: dict[str, Path], work: Path
) -> dict[str, dict[str, Any]]:
    """Measure one API's client charm on every framework: no-op hook, then each N.

    Returns, per framework, ``{n, noop, setup_s, scenario, changed_fit}`` (see README).
    """
    dev_bin = str(Path(sys.executable).parent)
    charms = {}
    for fw, python in pythons.items():
        dest = work / f"charm-{api}-{fw}"
        if fw == "ours":
            charms[fw] = assemble_ours(dest, api)
        else:
            charms[fw] = assemble_reference(dest, python, api)
    plan = _plan(args, api, list(pythons))
    out: dict[str, dict[str, Any]] = {
        fw: {"n": plan[fw], "scenario": {}, "setup_s": {}} for fw in charms
    }
    _log(f"{api}: no-op hook (update-status, no relations)")
    for fw in charms:
        noop = measure_noop(work / f"noop-{api}-{fw}", charms[fw], args.runs, dev_bin)
        out[fw]["noop"] = noop.summary()
    for n in sorted(set().union(*plan.values())):
        present = [fw for fw in charms if n in plan[fw]]
        scenarios: dict[str, Scenario] = {}
        try:
            for fw in present:
                _log(f"{api} N={n}: setting up {fw} ({2 * n} client hooks)")
                start = time.perf_counter()
                scenarios[fw] = Scenario(
                    work / f"n{n}-{api}-{fw}",
                    charms[fw],
                    n,
                    path_prefix=dev_bin,
                    fast_setup=fw == "ours" and not args.subprocess_setup,
                )
                out[fw]["setup_s"][str(n)] = time.perf_counter() - start
            _log(f"{api} N={n}: measuring {', '.join(present)}, {args.runs} runs")
            measured = interleave(scenarios, args.runs, _log)
        finally:
            for scenario in scenarios.values():
                scenario.close()
        for fw, kinds in measured.items():
            out[fw]["scenario"][str(n)] = {k: s.summary() for k, s in kinds.items()}
    for data in out.values():
        points = [(int(n), v["relation-changed"]["median_s"]) for n, v in data["scenario"].items()]
        data["changed_fit"] = report.slope(points)
    scale = {"ours": args.scale_out_ours, "reference": args.scale_out_reference}
    for fw in charms:
        out[fw]["scale_out"] = {}
        for n in scale[fw]:
            _log(f"{api} scale-out 0 -> {n}: {fw}")
            out[fw]["scale_out"][str(n)] = measure_scale_out(
                work / f"scale{n}-{api}-{fw}",
                charms[fw],
                n,
                path_prefix=dev_bin,
                in_process=fw == "ours" and not args.subprocess_setup,
            )
    return out


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Run every measurement; return the results (see bench/README.md for the layout)."""
    pythons = {"ours": Path(sys.executable)}
    if not args.no_reference:
        from devtools.reference import ensure_reference_venv

        _log("reference venv: creating or reusing .venv-reference")
        pythons["reference"] = ensure_reference_venv()
    fws: dict[str, dict[str, Any]] = {fw: {"python": str(pythons[fw])} for fw in pythons}
    for fw in pythons:
        _log(f"{fw}: import charms.reactive")
        lib = REPO / "lib" if fw == "ours" else None
        fws[fw]["import"] = startup.import_cost(pythons[fw], lib)
    for api in args.api:
        for fw, data in measure_api(args, api, pythons, work).items():
            report.api_results(fws[fw], api).update(data)
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "apis": args.api,
        "frameworks": fws,
        "runs": args.runs,
    }
    if not args.no_tool_cost:
        from bench.tool_cost import measure

        _log("emulator hook-tool cost")
        results["emulator_tool_cost"] = measure(100)
    results["machine"] = report.machine()
    results["targets"] = check_targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, save the JSON."""
    args = parse_args(argv)
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    started = time.perf_counter()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        results = run(args, args.work.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="reactive-bench-") as tmp:
            results = run(args, Path(tmp))
    results["total_s"] = time.perf_counter() - started
    m = results["machine"]
    print(
        f"# {results['date']}: {m['arch']}, {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, load {m['loadavg_at_end'][0]:.1f}; "
        f"median of {results['runs']} runs; ratio = reference / ours"
    )
    print(report.table(results))
    print()
    for target in results["targets"]:
        print(f"[{'met' if target['met'] else 'MISSED'}] {target['name']}: {target['detail']}")
    if not args.no_save:
        for path in report.save(results, args.results):
            _log(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
