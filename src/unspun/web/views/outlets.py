"""Outlets compared: technique rates, own-voice share and subjectivity per outlet, and over time;
spin (technique marks per 1,000 words of sentences) in all and by the voice a mark is in.

Charts are server-rendered SVG (``unspun.web.charts``); the numbers are those of
``unspun export --table outlets`` (``unspun.store.tables``), which ``/outlets.csv`` downloads.
"""

from __future__ import annotations

import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.store.tables import SPIN_VOICES, outlet_stats, table, timeline_by_outlet
from unspun.web.helpers import render, settings_of
from unspun.web.charts import bar_chart, line_chart
from unspun.web.downloads import csv_download

CHART_OUTLETS = 25  # bars per chart (the outlets with most articles); the table lists all
TIMELINE_OUTLETS = 8  # lines per chart over time


def _name(outlet: str | None) -> str:
    return outlet if outlet else "(unknown outlet)"


_cache: dict[str, tuple[int, list, dict]] = {}
_cache_lock = threading.Lock()


def _figures(request: Request) -> tuple[list, dict]:
    """Per-outlet stats and timeline, computed once per change of the store (its generation)."""
    settings = settings_of(request)
    store = settings.store()
    generation = store.generation
    with _cache_lock:
        hit = _cache.get(settings.db)
    if hit is not None and hit[0] == generation:
        return hit[1], hit[2]
    stats, timeline = outlet_stats(store), timeline_by_outlet(store)
    with _cache_lock:
        _cache[settings.db] = (generation, stats, timeline)
    return stats, timeline


def outlets_page(request: Request) -> Response:
    stats, timeline = _figures(request)
    top = stats[:CHART_OUTLETS]
    techniques = sorted({t for row in stats for t in row["by_technique"]})
    charts = {
        "own": bar_chart([(_name(r["outlet"]), r["own_share"]) for r in top], max_value=1.0, percent=True),
        "subjectivity": bar_chart([(_name(r["outlet"]), r["subjectivity"]) for r in top], max_value=1.0),
        "techniques": bar_chart([(_name(r["outlet"]), r["techniques_per_1k_words"]) for r in top]),
    }
    spin_keys = ("spin_per_1k_words", *(f"spin_{v}_per_1k_words" for v in SPIN_VOICES))
    spin_top = max((r[k] for r in top for k in spin_keys if r[k] is not None), default=0.0)
    spin = {k: bar_chart([(_name(r["outlet"]), r[k]) for r in top], max_value=spin_top or None)
            for k in spin_keys}  # one scale for all four, so voices compare across charts
    shown = [r["outlet"] for r in stats if r["outlet"] in timeline][:TIMELINE_OUTLETS]
    over_time = {
        "own": line_chart({_name(o): [(p["month"], p["own_share"]) for p in timeline[o]] for o in shown},
                          percent=True),
        "techniques": line_chart({_name(o): [(p["month"], p["techniques_per_1k_words"]) for p in timeline[o]]
                                  for o in shown}),
        "subjectivity": line_chart({_name(o): [(p["month"], p["subjectivity"]) for p in timeline[o]]
                                    for o in shown}),
    }
    has_subjectivity = any(r["subjectivity"] is not None for r in stats)
    return render(request, "outlets.html", {
        "stats": stats, "techniques": techniques, "charts": charts, "over_time": over_time,
        "has_subjectivity": has_subjectivity, "has_techniques": bool(techniques), "name": _name,
        "spin": spin, "has_spin": any(r["spin_words"] for r in stats),
    })


def outlets_api(request: Request) -> Response:
    stats, timeline = _figures(request)
    return JSONResponse({"outlets": stats, "timeline": [row for rows in timeline.values() for row in rows]})


def outlets_csv(request: Request) -> Response:
    return csv_download(settings_of(request).db, lambda s: table(s, "outlets"), "outlets.csv")
