"""The issue's targets for this layer, checked as ratios/counts of one run (never in tests)."""

from __future__ import annotations

from typing import Any

from bench.report import api_results

#: Juju-log lines allowed in the relation-changed hook ("a few").
MAX_LOG_LINES = 4


def _target(name: str, met: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "met": met, "detail": detail}


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one ``{name, met, detail}`` per target that this run could check."""
    ours = results["frameworks"]["ours"]
    ref = results["frameworks"].get("reference", {})
    out = []
    for n, kinds in sorted(ours.get("scenario", {}).items(), key=lambda kv: int(kv[0])):
        tools = kinds["relation-changed"]["tools"]
        extra = {
            k: v
            for k, v in tools.items()
            if k not in ("relation-get", "relation-list", "relation-set", "juju-log")
        }
        met = (
            tools.get("relation-get") == int(n)
            and tools.get("relation-list") == 1
            and tools.get("relation-set") == 1
            and tools.get("juju-log", 0) <= MAX_LOG_LINES
            and not extra
        )
        out.append(
            _target(
                f"relation-changed tool calls at the lower bound (N={n})",
                met,
                f"{tools} (want relation-get={n}, relation-list=1, relation-set=1, "
                f"juju-log<={MAX_LOG_LINES})",
            )
        )
        gets = kinds["update-status"]["tools"].get("relation-get", 0)
        out.append(
            _target(f"update-status: no relation-get (N={n})", gets == 0, f"relation-get={gets}")
        )
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


def _endpoint_targets(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The Endpoint scenario's bounds: each bag read once, each relation written once.

    ``relation-changed`` reads every remote unit's bag (N ``relation-get``; none of the
    client's own bag, which it only writes) and answers its one relation (one
    ``relation-set``); in no measured hook is a bag read twice or a relation written twice;
    ``update-status`` reads nothing.
    """
    out = []
    for n, kinds in sorted(scenario.items(), key=lambda kv: int(kv[0])):
        tools = kinds["relation-changed"]["tools"]
        met = (
            tools.get("relation-get") == int(n)
            and tools.get("relation-set") == 1
            and tools.get("juju-log", 0) <= MAX_LOG_LINES
        )
        out.append(
            _target(
                f"endpoint relation-changed: one read per remote unit, one write (N={n})",
                met,
                f"{tools} (want relation-get={n}, relation-set=1, juju-log<={MAX_LOG_LINES})",
            )
        )
        repeats = {kind: v["repeats"] for kind, v in kinds.items() if v.get("repeats")}
        out.append(
            _target(
                f"endpoint: no bag read twice, no relation written twice in a hook (N={n})",
                not repeats,
                f"repeated calls: {repeats or 'none'}",
            )
        )
        gets = kinds["update-status"]["tools"].get("relation-get", 0)
        out.append(
            _target(
                f"endpoint update-status: no relation-get (N={n})",
                gets == 0,
                f"relation-get={gets}",
            )
        )
    return out
