"""``chart`` over an archive filled by a real crawl of the replica: each PNG is written, has a
sane size, renders its Chinese labels without a missing glyph, and plots the numbers computed
here directly from the replica's manifest (what it published)."""

from __future__ import annotations

import csv
import io
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.local import run_crawl
from disclosure_archive.cli import main
from parsers.checks import run_checks
from replica.server import RunningReplica
from storage.chart_data import ChartFilter, chart_data
from storage.database import open_engine

matplotlib = pytest.importorskip("matplotlib", reason="charts need the charts extra")
from matplotlib.image import imread  # noqa: E402

from storage.charts import draw, font_family  # noqa: E402

GLYPH_WARNING = r"(?i).*glyph.*missing"


# ---- the archive and what the replica published ------------------------------------------------


def crawl_into(replica: RunningReplica, database_url: str) -> list[dict[str, Any]]:
    """Crawl every report column of the replica into the archive; the manifest's reports."""
    reports = [r for r in replica.manifest() if r["kind"] != "other"]
    columns = ",".join(sorted({str(r["column_id"]) for r in reports}))
    result = run_crawl("hangzhou", str(replica), database_url=database_url,
                       spider_args={"columns": columns})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats.get("finish_reason") == "finished", result.stderr[-3000:]
    return reports


@pytest.fixture(scope="module")
def crawled(replica: RunningReplica, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('charts') / 'archive.db'}"
    return url, crawl_into(replica, url)


def originals(published: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reports counted once: not reposts, and with tables."""
    return [r for r in published if r["repost_of"] is None and r["template"] != "none"]


def outcome_of(row: str) -> str | None:
    """The chart category of a table-3 row, spelled out here independently of the code."""
    if row in ("granted", "partially_granted"):
        return row
    for prefix in ("withheld", "unavailable", "not_processed"):
        if row.startswith(prefix + "_"):
            return prefix
    if row == "other" or row.startswith("other_"):
        return "other"
    return None


def outcome_sums(reports: list[dict[str, Any]], by: str) -> dict[str, dict[Any, float]]:
    sums: dict[str, dict[Any, float]] = defaultdict(lambda: defaultdict(float))
    for report in reports:
        for row, cells in report["report"]["applications"].items():
            category = outcome_of(row)
            if category is not None and cells["total"] is not None:
                sums[category][report[by]] += cells["total"]
    return sums


@contextmanager
def glyphs_must_render() -> Iterator[None]:
    """A glyph missing from the fonts becomes an error instead of an empty box in the PNG."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_WARNING)
        yield


def chart(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with glyphs_must_render():
        code = main(["chart", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def png_size(path: Path) -> tuple[int, int]:
    height, width = imread(str(path)).shape[:2]
    return width, height


# ---- the three charts ----------------------------------------------------------------------------


def test_applications_by_year_plots_the_published_numbers(crawled, tmp_path, capsys) -> None:
    url, published = crawled
    mine = originals(published)
    out = tmp_path / "applications.png"
    code, stdout, _ = chart(capsys, "applications", "--out", str(out), "--database", url)
    assert code == 0 and str(out) in stdout
    assert png_size(out) == (1500, 900)
    engine = open_engine(url, create=False)
    try:
        with glyphs_must_render():
            data = draw(chart_data(engine, "applications", ChartFilter()), tmp_path / "again.png")
    finally:
        engine.dispose()
    table = data.table()
    expected = outcome_sums(mine, "year")
    years = sorted({r["year"] for r in mine})
    assert list(data.categories) == years
    assert set(expected) == {"granted", "partially_granted", "withheld", "unavailable",
                             "not_processed", "other"}
    for category, per_year in expected.items():
        for year in years:
            assert table[category][year] == pytest.approx(per_year.get(year, 0.0)), (category, year)
    for year in years:
        received = sum(r["report"]["applications"]["new_received"]["total"] or 0
                       for r in mine if r["year"] == year)
        assert table["new_received"][year] == pytest.approx(received)
    assert data.reports == len(mine)
    labels = {s.key: s.label for s in data.series}
    assert labels["granted"] == "（一）予以公开" and labels["withheld"] == "（三）不予公开"


def test_filters_narrow_the_numbers(crawled, tmp_path, capsys) -> None:
    url, published = crawled
    mine = originals(published)
    agency = Counter(r["agency"] for r in mine).most_common(1)[0][0]
    year = Counter(r["year"] for r in mine if r["agency"] == agency).most_common(1)[0][0]
    portal = urlsplit(published[0]["url"]).netloc
    out = tmp_path / "one.png"
    code, stdout, _ = chart(capsys, "applications", "--out", str(out), "--agency", agency,
                            "--year", str(year), "--portal", portal, "--data", "--database", url)
    assert code == 0 and out.is_file()
    rows = list(csv.DictReader(io.StringIO(stdout)))
    chosen = [r for r in mine if r["agency"] == agency and r["year"] == year]
    expected = outcome_sums(chosen, "year")
    assert [int(row["report_year"]) for row in rows] == [year]
    for category, per_year in expected.items():
        assert float(rows[0][category]) == pytest.approx(per_year[year])


def test_outcome_shares_by_agency(crawled, tmp_path, capsys) -> None:
    url, published = crawled
    mine = originals(published)
    out = tmp_path / "agencies.png"
    code, _, _ = chart(capsys, "outcomes-by-agency", "--top", "5", "--out", str(out), "--database", url)
    assert code == 0
    width, height = png_size(out)
    assert width == 1650 and 600 < height < 1200
    sums = outcome_sums(mine, "agency")
    totals: dict[str, float] = defaultdict(float)
    for per_agency in sums.values():
        for agency, value in per_agency.items():
            totals[agency] += value
    top = sorted((a for a in totals if totals[a] > 0), key=lambda a: (-totals[a], a))[:5]
    engine = open_engine(url, create=False)
    try:
        with glyphs_must_render():
            data = draw(chart_data(engine, "outcomes-by-agency", ChartFilter(), top=5),
                        tmp_path / "again.png")
    finally:
        engine.dispose()
    assert list(data.categories) == top
    table = data.table()
    for agency in top:
        assert sum(table[s.key][agency] for s in data.series) == pytest.approx(1.0)
        for category, per_agency in sums.items():
            assert table[category][agency] == pytest.approx(per_agency.get(agency, 0) / totals[agency])
        assert table["handled"][agency] == pytest.approx(totals[agency])


def test_check_failures_by_rule_and_year(crawled, tmp_path, capsys) -> None:
    url, published = crawled
    mine = originals(published)
    expected: Counter[tuple[int, str]] = Counter()
    for report in mine:
        data = report["report"]
        failed = {c.rule for c in run_checks(report["template"], data["applications"],
                                             data["review_litigation"]) if c.ok is False}
        expected.update((report["year"], rule) for rule in failed)
    assert expected, "the replica publishes reports whose sums do not hold"
    assert {rule for _, rule in expected} <= {r["broken_sum"] for r in mine if r["broken_sum"]}
    out = tmp_path / "checks.png"
    code, stdout, _ = chart(capsys, "check-failures", "--out", str(out), "--data", "--database", url)
    assert code == 0 and png_size(out) == (1500, 900)
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert [int(row["report_year"]) for row in rows] == sorted({r["year"] for r in mine})
    for row in rows:
        for rule in ("balance", "results_sum", "row_total", "group_total"):
            assert int(row[rule]) == expected[(int(row["report_year"]), rule)], (row, rule)


# ---- the font, and what goes wrong -----------------------------------------------------------------


def test_missing_glyphs_would_be_caught(tmp_path) -> None:
    """Without the CJK font the same Chinese label warns, so the tests above can fail."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    assert font_family()[0] == "Noto Sans CJK SC"
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, "（三）不予公开", family="DejaVu Sans")
    with glyphs_must_render(), pytest.raises(UserWarning, match="missing from font"):
        figure.savefig(tmp_path / "boxes.png")


@pytest.mark.parametrize("argv, fragment", [
    (("pie", "--out", "x.png"), "unknown chart 'pie'; valid: applications"),
    (("applications", "--out", "x.png", "--year", "soon"), "--year: not a year"),
    (("outcomes-by-agency", "--out", "x.png", "--top", "many"), "--top: not a number"),
    (("outcomes-by-agency", "--out", "x.png", "--top", "0"), "--top must be at least 1"),
    (("applications", "--out", "x.svg"), "give a name ending in .png"),
    (("applications", "--out", "nowhere/x.png"), "no such directory"),
    (("applications", "--out", "x.png", "--portal", "example.org"), "no reports matching portal example.org"),
    (("check-failures", "--out", "x.png", "--year", "1990"), "no reports matching year 1990"),
])
def test_bad_input_gets_one_line(crawled, tmp_path, capsys, monkeypatch, argv, fragment) -> None:
    url, _ = crawled
    monkeypatch.chdir(tmp_path)
    code, out, err = chart(capsys, *argv, "--database", url)
    assert code == 1 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_empty_or_missing_archive(tmp_path, capsys) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_engine(empty).dispose()
    code, _, err = chart(capsys, "applications", "--out", str(tmp_path / "a.png"), "--database", empty)
    assert code == 1 and "holds no reports yet" in err and len(err.strip().splitlines()) == 1
    code, _, err = chart(capsys, "applications", "--out", str(tmp_path / "a.png"),
                         "--database", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "a.png").exists()


def test_without_the_charts_extra(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mplfonts", None)  # import mplfonts now fails
    font_family.cache_clear()
    try:
        code, out, err = chart(capsys, "applications", "--out", str(tmp_path / "a.png"))
    finally:
        font_family.cache_clear()
    assert code == 1 and out == ""
    assert err.strip() == "chart: charts need matplotlib and mplfonts: pip install 'disclosure-archive[charts]'"


def test_row_sums_agree_with_table_stats(crawled) -> None:
    """The one-pass sums the charts use give what ``stats`` gives row by row."""
    from storage.stats import StatsKeyError, StatsQuery, row_sums, table_stats

    url, _ = crawled
    rows = ["new_received", "granted", "withheld_security_stability", "other"]
    engine = open_engine(url, create=False)
    try:
        for by in ("year", "agency"):
            query = StatsQuery(table="applications", row=rows[0], by=by, originals_only=True)
            together = row_sums(engine, query, rows)
            for row in rows:
                alone = table_stats(engine, StatsQuery(table="applications", row=row, by=by,
                                                       originals_only=True))
                assert together[row] == {g["group"]: (g["value"], g["reports"])
                                         for g in alone}, (by, row)
        with pytest.raises(StatsKeyError, match="unknown row 'nope'"):
            row_sums(engine, query, ["granted", "nope"])
    finally:
        engine.dispose()
