"""PNG charts of the archive's common views, drawn with matplotlib's Agg backend.

Chinese labels need a CJK font on every machine, not only where one happens to be installed:
the Noto Sans CJK SC font shipped by the ``mplfonts`` package is loaded by path, so a chart
looks the same everywhere and never falls back to empty boxes. matplotlib and mplfonts are the
``charts`` extra; ``ChartsUnavailable`` says how to install them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from storage.chart_data import ChartData

INSTALL_HINT = "charts need matplotlib and mplfonts: pip install 'disclosure-archive[charts]'"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

OUTCOME_COLOURS: dict[str, str] = {
    "granted": "#2e7d32", "partially_granted": "#8bc34a", "withheld": "#c62828",
    "unavailable": "#f39c12", "not_processed": "#6a4c93", "other": "#9e9e9e",
}
PALETTE: tuple[str, ...] = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
INK, MUTED, GRID = "#222222", "#666666", "#e3e3e3"


class ChartsUnavailable(ImportError):
    """matplotlib or mplfonts (the ``charts`` extra) is not installed."""


def cjk_font_path() -> Path:
    """The Noto Sans CJK SC font file that ``mplfonts`` ships."""
    try:
        import mplfonts
    except ImportError:
        raise ChartsUnavailable(INSTALL_HINT) from None
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise ChartsUnavailable(f"{FONT_FILE} not found in mplfonts; {INSTALL_HINT}")
    return path


@lru_cache(maxsize=1)
def font_family() -> tuple[str, ...]:
    """Register the CJK font with matplotlib; the family list charts use (CJK first)."""
    try:
        from matplotlib import font_manager
    except ImportError:
        raise ChartsUnavailable(INSTALL_HINT) from None
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return (font_manager.FontProperties(fname=str(path)).get_name(), "DejaVu Sans")


def draw(data: ChartData, out: str | Path, *, dpi: int = 150) -> ChartData:
    """Draw ``data`` into the PNG file ``out``; returns the data that was plotted."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style = {
        "font.family": list(font_family()), "font.size": 10, "axes.unicode_minus": False,
        "axes.edgecolor": MUTED, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
        "text.color": INK,
    }
    with rc_context(style):
        if data.kind == "outcomes-by-agency":
            height = 2.6 + 0.42 * len(data.categories)
            figure = Figure(figsize=(11, height), dpi=dpi, layout="constrained")
        else:
            figure = Figure(figsize=(10, 6), dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        {"applications": _applications, "outcomes-by-agency": _agency_shares,
         "check-failures": _check_failures}[data.kind](axes, data)
        _frame(figure, axes, data)
        figure.savefig(out, format="png", dpi=dpi, facecolor="white")
    return data


def _labels(categories: tuple[Any, ...]) -> list[str]:
    return ["unknown" if c is None else str(c) for c in categories]


def _thousands(value: float, _: Any = None) -> str:
    return f"{value:,.0f}"


def _frame(figure: Any, axes: Any, data: ChartData) -> None:
    """Title, subtitle (what was counted, filters), source line and a quiet grid."""
    figure.suptitle(data.title, x=0.01, ha="left", fontsize=14, fontweight="bold")
    scope = data.filters.describe()
    subtitle = (f"{data.reports:,} report{'s' if data.reports != 1 else ''} "
                "(current version of each; reposts left out)" + (f" · {scope}" if scope else "")
                + " · source: disclosure-archive")
    axes.set_title(subtitle, loc="left", fontsize=9.5, color=MUTED, pad=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)


def _centre(axes: Any, count: int, slots: int = 4) -> None:
    """Keep bars a sensible width when there are only a few categories (one year, say)."""
    pad = max(slots - count, 0) / 2 + 0.6
    axes.set_xlim(-pad, count - 1 + pad)


def _legend(axes: Any, **options: Any) -> None:
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9, **options)


def _applications(axes: Any, data: ChartData) -> None:
    """Per year: applications received (outlined bar) beside those handled, stacked by outcome."""
    from matplotlib.ticker import FuncFormatter

    labels = _labels(data.categories)
    width = 0.36
    received = data.markers.values if data.markers else ()
    if data.markers is not None:
        bars = axes.bar([x - width / 2 - 0.02 for x in range(len(labels))], received, width=width,
                        label=data.markers.label, color="#eceff1", edgecolor="#455a64",
                        linewidth=1.0)
        _bar_totals(axes, bars, received)
    handled_at = [x + width / 2 + 0.02 for x in range(len(labels))]
    bottom = [0.0] * len(labels)
    for series in data.series:
        bars = axes.bar(handled_at, series.values, bottom=bottom, width=width, label=series.label,
                        color=OUTCOME_COLOURS.get(series.key), edgecolor="white", linewidth=0.6)
        bottom = [b + v for b, v in zip(bottom, series.values)]
    _bar_totals(axes, bars, bottom)
    top = max([*bottom, *received], default=0) or 1
    axes.set_xticks(range(len(labels)), labels)
    _centre(axes, len(labels))
    axes.set_ylim(0, top * 1.1)
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.grid(axis="y", color=GRID)
    axes.set_xlabel(data.category_name)
    axes.set_ylabel(f"{data.value_name} (left: received; right: handled, by outcome)")
    _legend(axes)


def _bar_totals(axes: Any, bars: Any, totals: Any) -> None:
    for bar, total in zip(bars, totals):
        axes.annotate(_thousands(total), (bar.get_x() + bar.get_width() / 2, total),
                      xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                      fontsize=8.5)


def _agency_shares(axes: Any, data: ChartData) -> None:
    from matplotlib.ticker import PercentFormatter

    labels = _labels(data.categories)
    positions = list(range(len(labels)))
    left = [0.0] * len(labels)
    for series in data.series:
        colour = OUTCOME_COLOURS.get(series.key)
        bars = axes.barh(positions, series.values, left=left, height=0.7, label=series.label,
                         color=colour, edgecolor="white", linewidth=0.6)
        dark = series.key in ("granted", "withheld", "not_processed")
        for bar, share in zip(bars, series.values):
            if share >= 0.06:
                axes.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                          f"{share:.0%}", ha="center", va="center", fontsize=8,
                          color="white" if dark else INK)
        left = [a + v for a, v in zip(left, series.values)]
    if data.markers is not None:
        for y, handled in zip(positions, data.markers.values):
            axes.text(1.01, y, _thousands(handled), va="center", fontsize=8, color=MUTED,
                      transform=axes.get_yaxis_transform())
        axes.text(1.01, -0.7, "handled", va="center", fontsize=8, color=MUTED,
                  transform=axes.get_yaxis_transform())
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()  # the agency that handled most on top
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(axis="x", color=GRID)
    axes.set_xlabel(data.value_name)
    axes.set_ylabel(data.category_name)
    axes.figure.legend(loc="outside lower center", ncols=len(data.series), frameon=False,
                       fontsize=9)


def _check_failures(axes: Any, data: ChartData) -> None:
    from matplotlib.ticker import MaxNLocator

    labels = _labels(data.categories)
    count = max(len(data.series), 1)
    width = 0.8 / count
    for n, series in enumerate(data.series):
        offsets = [x - 0.4 + width * (n + 0.5) for x in range(len(labels))]
        bars = axes.bar(offsets, series.values, width=width * 0.92, label=series.label,
                        color=PALETTE[n % len(PALETTE)])
        for bar, value in zip(bars, series.values):
            if value:
                axes.annotate(_thousands(value), (bar.get_x() + bar.get_width() / 2, value),
                              xytext=(0, 2), textcoords="offset points", ha="center",
                              va="bottom", fontsize=8)
    top = max((v for s in data.series for v in s.values), default=0)
    axes.set_ylim(0, max(top * 1.15, 1))
    axes.set_xticks(range(len(labels)), labels)
    _centre(axes, len(labels))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color=GRID)
    axes.set_xlabel(data.category_name)
    axes.set_ylabel(data.value_name)
    axes.figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
