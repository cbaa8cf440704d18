"""Chart geometry for server-rendered SVG (no scripts, nothing loaded from elsewhere).

The functions here only compute coordinates; the template ``_charts.html`` draws them, so every
label (an outlet name is untrusted text) is autoescaped like the rest of the page.

>>> c = bar_chart([("A", 0.5), ("B", None)], max_value=1.0, percent=True)
>>> [(b["label"], b["width"], b["text"]) for b in c["bars"]]
[('A', 175.0, '50%'), ('B', 0, 'n/a')]
"""

from __future__ import annotations

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
_WIDTH, _LABEL_W, _ROW_H, _PAD = 640, 210, 22, 40


def bar_chart(rows: list[tuple[str, float | None]], *, max_value: float | None = None,
              percent: bool = False) -> dict:
    """Horizontal bars, one per ``(label, value)``; ``None`` values show ``n/a``."""
    values = [v for _, v in rows if v is not None]
    top = max_value if max_value is not None else max(values, default=0.0)
    span = _WIDTH - _LABEL_W - _PAD - 40
    bars = []
    for i, (label, value) in enumerate(rows):
        width = round(span * value / top, 1) if value is not None and top > 0 else 0
        bars.append({"label": _short(str(label)), "full": str(label), "y": 10 + i * _ROW_H, "width": width,
                     "text": "n/a" if value is None else (f"{value:.0%}" if percent else f"{value:,.2f}")})
    return {"width": _WIDTH, "height": 20 + len(rows) * _ROW_H, "label_w": _LABEL_W, "bars": bars,
            "row_h": _ROW_H}


def line_chart(series: dict[str, list[tuple[str, float | None]]], *, percent: bool = False,
               height: int = 240) -> dict:
    """One line per series over the union of their x labels (months, sorted); gaps where a
    series has no value. Each series gets a ``PALETTE`` colour, in the order given."""
    months = sorted({m for points in series.values() for m, v in points if v is not None})
    values = [v for points in series.values() for _, v in points if v is not None]
    top = max(values, default=0.0)
    if percent:
        top = 1.0 if top <= 1.0 else top
    top = top or 1.0
    left, right, bottom, upper = 50, _WIDTH - 20, height - 40, 15
    step = (right - left) / max(len(months) - 1, 1)
    xs = {m: round(left + i * step, 1) for i, m in enumerate(months)}

    def y(v: float) -> float:
        return round(bottom - (bottom - upper) * v / top, 1)

    lines = []
    for i, (name, points) in enumerate(series.items()):
        dots = [{"x": xs[m], "y": y(v), "title": f"{name} \u00b7 {m}: " + (f"{v:.0%}" if percent else f"{v:,.2f}")}
                for m, v in sorted(points) if v is not None and m in xs]
        lines.append({"name": _short(name), "full": name, "color": PALETTE[i % len(PALETTE)],
                      "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots})
    every = max(1, len(months) // 8)
    ticks = [{"x": xs[m], "label": m} for i, m in enumerate(months) if i % every == 0]
    grid = [{"y": y(top * f), "label": f"{top * f:.0%}" if percent else f"{top * f:,.1f}"} for f in (0, 0.5, 1)]
    return {"width": _WIDTH, "height": height, "lines": lines, "ticks": ticks, "grid": grid,
            "left": left, "right": right, "bottom": bottom, "empty": not months}


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"
