"""The issue's targets for this layer, checked as ratios/counts of one run (never in tests)."""

from __future__ import annotations

from typing import Any

from bench.report import api_results

#: Juju-log lines allowed in the relation-changed hook ("a few").
MAX_LOG_LINES = 4
#: Hook-tool calls allowed in relation-changed at any N (issue #15: O(1) per hook).
MAX_CHANGED_CALLS = 6
#: Hook-tool calls allowed per client hook of a scale-out, on average (O(N) in total).
MAX_SCALE_OUT_CALLS_PER_HOOK = 6


def _target(name: str, met: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "met": met, "detail": detail}


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one ``{name, met, detail}`` per target that this run could check."""
    ours = results["frameworks"]["ours"]
    ref = results["frameworks"].get("reference", {})
    out = []
    out += _o1_targets("relationbase", ours)
    out += _o1_targets("endpoint", api_results(ours, "endpoint"))
    out += _endpoint_targets(api_results(ours, "endpoint").get("scenario", {}))
    o100 = ours.get("scenario", {}).get("100", {}).get("relation-changed")
    r100 = ref.get("scenario", {}).get("100", {}).get("relation-changed")
    if o100 and r100:
        ratio = r100["median_s"] / o100["median_s"]
        out.append(
            _target(
                "relation-changed at N=100 at least 5x faster",
                ratio >= 5,
                f"{ratio:.1f}x ({o100['median_s'] * 1000:.0f} ms vs "
                f"{r100['median_s'] * 1000:.0f} ms)",
            )
        )
    if ref.get("noop") and ours.get("noop"):
        o, r = ours["noop"]["median_s"], ref["noop"]["median_s"]
        out.append(
            _target(
                "no-op hook at most 1/3 of the reference's",
                o * 3 <= r,
                f"{o * 1000:.0f} ms vs {r * 1000:.0f} ms ({r / o:.1f}x)",
            )
        )
    imp = ours["import"]
    out.append(
        _target(
            "import charms.reactive within 40 ms",
            imp["import_ms"] <= 40 and imp["importtime_ms"] <= 40,
            f"{imp['import_ms']:.1f} ms wall over `python -c pass`, "
            f"{imp['importtime_ms']:.1f} ms by -X importtime",
        )
    )
    fit = ours.get("changed_fit")
    if fit:
        out.append(
            _target(
                "relation-changed cost linear in N",
                fit["r2"] >= 0.95,
                f"{fit['ms_per_unit']:.3f} ms per unit, r2={fit['r2']:.3f}",
            )
        )
    n1000 = ours.get("scenario", {}).get("1000")
    if n1000:
        peak = max(k["peak_rss_mib"] or 0 for k in n1000.values())
        out.append(
            _target("peak memory of a hook at N=1000 under 60 MB", peak < 60, f"{peak:.1f} MiB")
        )
    return out


def _o1_targets(api: str, results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue #15's bounds, whatever N: the handlers read every remote unit in every hook.

    ``relation-changed`` makes at most :data:`MAX_CHANGED_CALLS` hook-tool calls (the
    notified bag, one ``relation-set``, the log lines); ``update-status`` none but the log
    lines reporting the handler that ran (``juju-log``); a scale-out
    from 0 to N at most :data:`MAX_SCALE_OUT_CALLS_PER_HOOK` calls per client hook.
    """
    out = []
    for n, kinds in sorted(results.get("scenario", {}).items(), key=lambda kv: int(kv[0])):
        changed = kinds["relation-changed"]
        out.append(
            _target(
                f"{api} relation-changed: at most {MAX_CHANGED_CALLS} tool calls (N={n})",
                changed["tool_calls"] <= MAX_CHANGED_CALLS
                and changed["tools"].get("juju-log", 0) <= MAX_LOG_LINES,
                f"{changed['tool_calls']}: {changed['tools']}",
            )
        )
        status = kinds["update-status"]
        asked = {k: v for k, v in status["tools"].items() if k != "juju-log"}
        out.append(
            _target(
                f"{api} update-status: no tool call but the handler report's log lines (N={n})",
                not asked and status["tools"].get("juju-log", 0) <= MAX_LOG_LINES,
                f"{status['tool_calls']}: {status['tools']}",
            )
        )
    for n, found in sorted(results.get("scale_out", {}).items(), key=lambda kv: int(kv[0])):
        per_hook = found["tool_calls"] / max(found["hooks"], 1)
        out.append(
            _target(
                f"{api} scale-out 0 -> {n}: O(1) calls per hook",
                per_hook <= MAX_SCALE_OUT_CALLS_PER_HOOK,
                f"{found['tool_calls']} calls in {found['hooks']} hooks ({per_hook:.1f} a hook)",
            )
        )
    return out


def _endpoint_targets(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The Endpoint scenario's bounds: no bag read twice, no relation written twice."""
    out = []
    for n, kinds in sorted(scenario.items(), key=lambda kv: int(kv[0])):
        repeats = {kind: v["repeats"] for kind, v in kinds.items() if v.get("repeats")}
        out.append(
            _target(
                f"endpoint: no bag read twice, no relation written twice in a hook (N={n})",
                not repeats,
                f"repeated calls: {repeats or 'none'}",
            )
        )
    return out
