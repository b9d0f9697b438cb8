"""Turn the benchmark's results into a table (both frameworks, ratios) and a JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    """Describe the machine: architecture, CPU model, cores, Python, load average."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "arch": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_at_end": list(os.getloadavg()),
        "implementation": sys.implementation.name,
    }


def slope(points: list[tuple[int, float]]) -> dict[str, float] | None:
    """Least-squares line of seconds vs N: ``ms_per_unit``, ``intercept_ms``, ``r2``."""
    if len(points) < 2:
        return None
    xs, ys = [float(p[0]) for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return {
        "ms_per_unit": b * 1000,
        "intercept_ms": a * 1000,
        "r2": 1 - ss_res / ss_tot if ss_tot else 1.0,
    }


def _ratio(ref: float | None, ours: float | None) -> str:
    if not ref or not ours:
        return "-"
    return f"{ref / ours:.1f}x"


def _tools(tools: dict[str, int]) -> str:
    short = {"relation-get": "get", "relation-list": "list", "relation-set": "set"}
    short.update({"relation-ids": "ids", "juju-log": "log", "config-get": "cfg"})
    return " ".join(f"{short.get(k, k)}={v}" for k, v in tools.items()) or "none"


#: How each API is named in the report, and its client charm.
API_TITLES = {
    "relationbase": "RelationBase API (`bench/charms/client`)",
    "endpoint": "Endpoint API (`bench/charms/client-endpoint`)",
}


def api_results(framework: dict[str, Any], api: str) -> dict[str, Any]:
    """Return one framework's results for one API (created empty if missing).

    The RelationBase scenario's keys (``n``, ``noop``, ``setup_s``, ``scenario``,
    ``changed_fit``) sit on the framework itself, as before the Endpoint scenario existed;
    the Endpoint scenario's same keys sit under ``endpoint``.
    """
    if api == "relationbase":
        return framework
    found: dict[str, Any] = framework.setdefault(api, {})
    return found


def scenario_table(results: dict[str, Any], api: str) -> str:
    """Format one API's hooks as a Markdown table (ratio = reference / ours)."""
    fws = results["frameworks"]
    ours = api_results(fws["ours"], api)
    ref = api_results(fws["reference"], api) if "reference" in fws else {}
    lines = [
        "| hook | N | ours ms | ref ms | ref/ours | ours tool calls | ref tool calls "
        "| ours MiB | ref MiB | ours DB KiB | ref DB KiB |",
        "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]

    def row(name: str, n: str, o: dict[str, Any] | None, r: dict[str, Any] | None) -> None:
        def ms(x: dict[str, Any] | None) -> str:
            return f"{x['median_s'] * 1000:.0f}" if x else "-"

        def mib(x: dict[str, Any] | None) -> str:
            return f"{x['peak_rss_mib']:.1f}" if x and x.get("peak_rss_mib") else "-"

        def db(x: dict[str, Any] | None) -> str:
            return f"{x['state_db_bytes'] / 1024:.0f}" if x else "-"

        def tc(x: dict[str, Any] | None) -> str:
            return f"{x['tool_calls']} ({_tools(x['tools'])})" if x else "-"

        lines.append(
            f"| {name} | {n} | {ms(o)} | {ms(r)} | "
            f"{_ratio(r['median_s'] if r else None, o['median_s'] if o else None)} | "
            f"{tc(o)} | {tc(r)} | "
            f"{mib(o)} | {mib(r)} | {db(o)} | {db(r)} |"
        )

    row("no-op update-status", "0", ours.get("noop"), ref.get("noop"))
    o_ns, r_ns = ours.get("scenario", {}), ref.get("scenario", {})
    for kind in ("relation-changed", "relation-departed", "update-status"):
        for n in sorted({int(n) for n in o_ns} | {int(n) for n in r_ns}):
            row(kind, str(n), o_ns.get(str(n), {}).get(kind), r_ns.get(str(n), {}).get(kind))
    o_so, r_so = ours.get("scale_out", {}), ref.get("scale_out", {})
    if o_so or r_so:
        lines += [
            "",
            "Scale-out from 0 to N remote units, the level-triggered reader on (every hook of "
            "the client from the relation on; ours in-process unless `--subprocess-setup`):",
            "",
            "| N | ours hooks | ours tool calls | ours calls/hook | ref hooks | ref tool calls "
            "| ref calls/hook |",
            "|---:|---:|---|---:|---:|---|---:|",
        ]
        for n in sorted({int(n) for n in o_so} | {int(n) for n in r_so}):
            cells = []
            for found in (o_so.get(str(n)), r_so.get(str(n))):
                if found:
                    per_hook = found["tool_calls"] / max(found["hooks"], 1)
                    cells += [
                        str(found["hooks"]),
                        f"{found['tool_calls']} ({_tools(found['tools'])})",
                        f"{per_hook:.1f}",
                    ]
                else:
                    cells += ["-", "-", "-"]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    notes = [
        f"* {fw}, {kind}, N={n}: {_tools(found['repeats'])}"
        for fw, ns in (("ours", o_ns), ("reference", r_ns))
        for n, kinds in sorted(ns.items(), key=lambda kv: int(kv[0]))
        for kind, found in sorted(kinds.items())
        if found.get("repeats")
    ]
    if notes:
        lines += ["", "Repeated calls (a bag read again, a relation id written again):", ""]
        lines += notes
    return "\n".join(lines)


def table(results: dict[str, Any]) -> str:
    """Format the results as Markdown: one hook table per API, imports, slopes."""
    lines: list[str] = []
    for api in results.get("apis", ["relationbase"]):
        lines += [f"### {API_TITLES[api]}", "", scenario_table(results, api), ""]
    ours, ref = results["frameworks"]["ours"], results["frameworks"].get("reference", {})
    lines.append("| import charms.reactive | ours | reference | ref/ours |")
    lines.append("|---|---:|---:|---:|")
    oi, ri = ours.get("import", {}), ref.get("import", {})
    for key, label in (
        ("importtime_ms", "-X importtime, cumulative ms"),
        ("import_ms", "wall ms minus `python -c pass`"),
        ("wall_ms", "wall ms of the process"),
    ):
        o_v, r_v = oi.get(key), ri.get(key)
        lines.append(
            f"| {label} | {o_v:.1f} | "
            + (f"{r_v:.1f}" if r_v is not None else "-")
            + f" | {_ratio(r_v, o_v)} |"
        )
    lines.append("")
    lines.append("relation-changed time vs N, least squares:")
    lines.append("")
    for api in results.get("apis", ["relationbase"]):
        for fw in ("ours", "reference"):
            framework = results["frameworks"].get(fw)
            fit = api_results(framework, api).get("changed_fit") if framework else None
            if fit:
                lines.append(
                    f"* {api}, {fw}: {fit['ms_per_unit']:.3f} ms per remote unit, intercept "
                    f"{fit['intercept_ms']:.0f} ms, r2 {fit['r2']:.3f}"
                )
    tools = results.get("emulator_tool_cost")
    if tools:
        lines.append(
            f"* emulator: one hook-tool call {tools['is_leader_ms']:.2f} ms (process start "
            f"{tools['true_ms']:.2f} ms, tool overhead {tools['overhead_ms']:.2f} ms, "
            f"server {tools['server_ms']:.3f} ms)"
        )
    return "\n".join(lines)


def save(results: dict[str, Any], directory: Path) -> list[Path]:
    """Write ``<date>.json`` and ``latest.json`` in ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    paths = [directory / f"{results['date']}.json", directory / "latest.json"]
    for path in paths:
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return paths
