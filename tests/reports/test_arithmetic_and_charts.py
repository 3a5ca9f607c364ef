"""Report arithmetic and charts are plain Python: checked without a database, by table and by property."""

from __future__ import annotations

import math
import re
import statistics
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedesk.reports import charts
from servicedesk.reports.arithmetic import (
    ReportPeriod,
    hours,
    median,
    month_period,
    percentile,
    previous_month,
    share,
    year_period,
)
from servicedesk.reports.exports import table_csv

SVG = "{http://www.w3.org/2000/svg}"
values = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=200)


@given(values)
def test_median_is_the_statistics_median(numbers):
    assert median(numbers) == statistics.median(numbers)


@given(values, st.sampled_from([0.5, 0.9, 0.95, 1.0]))
def test_percentile_is_the_nearest_rank(numbers, p):
    found = percentile(numbers, p)
    assert found in numbers  # always a value that occurred
    at_or_below = sum(1 for n in numbers if n <= found)
    assert at_or_below >= p * len(numbers)  # at least the share is at or below it
    assert sum(1 for n in numbers if n < found) < p * len(numbers)  # and it is the smallest such value


@pytest.mark.parametrize(
    ("numbers", "p50", "p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([1, 2], 1.5, 2),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9),
        (list(range(1, 12)), 6, 10),
    ],
)
def test_medians_and_p90_by_table(numbers, p50, p90):
    assert median(numbers) == p50
    assert percentile(numbers, 0.9) == p90


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 0, None),
        (0, 3, Decimal("0.0")),
        (4, 7, Decimal("57.1")),
        (1, 8, Decimal("12.5")),
        (2, 3, Decimal("66.7")),
        (5, 5, Decimal("100.0")),
    ],
)
def test_share_rounds_half_up_to_one_decimal(part, whole, expected):
    assert share(part, whole) == expected


def test_hours_round_half_up():
    assert hours(0) == Decimal("0.00") and hours(90) == Decimal("1.50") and hours(1) == Decimal("0.02")


def test_periods():
    assert month_period(2026, 12) == ReportPeriod(date(2026, 12, 1), date(2026, 12, 31))
    assert month_period(2028, 2).last == date(2028, 2, 29)
    assert previous_month(month_period(2027, 1)) == month_period(2026, 12)
    assert year_period(2026).months()[0] == date(2026, 1, 1) and len(year_period(2026).months()) == 12
    with pytest.raises(ValueError):
        ReportPeriod(date(2026, 2, 1), date(2026, 1, 31))


@given(st.floats(min_value=0.01, max_value=1e9, allow_nan=False))
def test_ticks_reach_the_top_in_round_steps(top):
    ticks = charts.nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top and 2 <= len(ticks) <= 12
    step = ticks[1]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5, 10)


def dutch(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML: a PDF renderer and a browser read the same
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def test_a_bar_chart_has_labels_units_and_its_values():
    svg = charts.bar_chart(
        chart_id="c",
        title="Reactie op tijd <november>",
        description="Per klant",
        categories=["Bakkerij & Zn", "Smile"],
        series=[charts.Series("Op tijd", [1200, 3], "#009E73"), charts.Series("Te laat", [None, 2], "#D55E00")],
        axis_label="Aantal tickets",
        format_value=dutch,
    )
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Bakkerij & Zn" in texts and "Aantal tickets" in texts and "Op tijd" in texts
    assert "1.200" in texts  # the bar's total, Dutch thousands
    tips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert "Smile: Te laat 2" in tips and "Bakkerij & Zn: Op tijd 1.200" in tips
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    # Ticks 0, 500, 1000, 1500 over the 420 units beside the totals: bars in proportion to that axis.
    assert widths == pytest.approx([1200 * 420 / 1500, 3 * 420 / 1500, 2 * 420 / 1500], abs=0.06)


def test_a_line_chart_and_a_sparkline():
    months = [f"{m} 2026" for m in ("jan", "feb", "mrt")]
    root = parse(
        charts.line_chart(
            chart_id="l",
            title="Achterstand",
            description="Open tickets",
            categories=months,
            series=[charts.Series("Open", [3, None, 5], charts.PALETTE[0])],
            axis_label="tickets",
            format_value=dutch,
        )
    )
    assert len(list(root.iter(f"{SVG}circle"))) == 2  # no point where there is no value
    spark = ET.fromstring(charts.sparkline(chart_id="s", title="Open: 3 tot 5", values=[3, 4, 5]))
    assert spark.find(f"{SVG}title").text == "Open: 3 tot 5"
    points = spark.find(f"{SVG}polyline").get("points").split()
    assert len(points) == 3 and float(points[0].split(",")[1]) > float(points[-1].split(",")[1])  # rising


def test_palette_is_distinct_and_dark_enough_on_white():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert len(set(charts.PALETTE)) == len(charts.PALETTE)
    for colour in charts.PALETTE:
        assert re.fullmatch(r"#[0-9A-F]{6}", colour)
        assert (1.05) / (luminance(colour) + 0.05) >= 2.0  # graphics against white: visible marks


def test_the_csv_is_formula_safe_with_decimal_commas():
    data = table_csv(["Klant", "Aandeel"], [['=HYPERLINK("x")', Decimal("57.1")], ["@SUM(A1)", None]])
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Klant;Aandeel", '"\'=HYPERLINK(""x"")";57,1', "'@SUM(A1);"]


def test_a_chart_reads_in_a_pdf(tmp_path):
    """The monthly report will be a PDF (WeasyPrint, as the invoices): the chart's labels and values come out as
    text, not as a picture of text."""
    import weasyprint

    svg = charts.bar_chart(
        chart_id="pdf",
        title="Reactie op tijd",
        description="Per klant",
        categories=["Bakkerij De Korrel", "Tandartspraktijk Smile"],
        series=[
            charts.Series("Op tijd", [12, 7], charts.PALETTE[2]),
            charts.Series("Te laat", [1, 0], charts.PALETTE[3]),
        ],
        axis_label="Aantal tickets",
        format_value=dutch,
    )
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(weasyprint.HTML(string=f"<html><body><h1>Servicerapport</h1>{svg}</body></html>").write_pdf())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("Bakkerij De Korrel", "Tandartspraktijk Smile", "Aantal tickets", "Op tijd", "Te laat", "13"):
        assert words in text, words
