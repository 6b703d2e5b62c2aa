"""Generate the sample PDFs the notebooks read (``make samples``); the output is committed.

- ``quarterly_report.pdf``: a 3-page report with facts to ask about (one fact per sentence, so a
  cited answer points at one page).
- ``chart_and_table.pdf``: one page with a bar chart (a raster image) and a table.
- ``locked.pdf``: the report, password-protected (Claude cannot read encrypted PDFs).
- ``corrupt.pdf``: the report cut off halfway, like a broken download.

The company and its figures are invented. Needs fpdf2 (requirements-dev.txt) and matplotlib.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "data"
FIXED_DATE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # reproducible files
PASSWORD = "handson"

TITLE = "Aozora Tea Company - Quarterly Report, Q3 2026"
PAGES = [
    ("1. Highlights", [
        "Aozora Tea Company sells green and oolong tea from farms in Shizuoka and Nantou.",
        "Revenue for the third quarter of 2026 was 48.2 million US dollars.",
        "Revenue grew 12 percent compared with the third quarter of 2025.",
        "Operating margin improved to 17.5 percent, up from 15.1 percent a year earlier.",
        "The growth came mainly from bottled cold-brew tea, which now makes up 31 percent of sales.",
        "The company shipped 9,400 tonnes of tea during the quarter.",
        "Online orders grew faster than store sales for the fourth quarter in a row.",
        "Customer satisfaction, measured by the quarterly survey, rose to 4.6 out of 5.",
        "The board approved a dividend of 0.42 US dollars per share.",
        "Management expects full-year revenue between 185 and 190 million US dollars.",
        "Gross margin was 41.3 percent, helped by lower packaging costs.",
        "The loyalty programme passed 600,000 members in September.",
        "Sales of matcha powder to cafes rose 19 percent.",
        "Returns and refunds stayed below 0.5 percent of orders.",
    ]),
    ("2. Markets and operations", [
        "Japan remained the largest market with 52 percent of revenue.",
        "Taiwan contributed 27 percent of revenue, and the rest of Asia contributed 14 percent.",
        "Sales outside Asia were 7 percent of revenue, mostly in North America.",
        "The new Taichung bottling plant started production in August 2026.",
        "The Taichung plant can fill 120,000 bottles per day at full capacity.",
        "Headcount reached 1,240 employees at the end of September.",
        "Energy use per tonne of tea fell 8 percent after the switch to heat-pump dryers.",
        "Solar panels now supply 35 percent of the electricity used at the Shizuoka factory.",
        "The average delivery time for online orders in Japan was 1.8 days.",
        "Inventory at the end of the quarter covered 74 days of expected sales.",
        "Eleven new partner farms joined the supply programme in Nantou County.",
        "Water use per bottle fell to 1.9 litres after the plant upgrade.",
        "The Tokyo flagship store welcomed 210,000 visitors during the quarter.",
        "Staff turnover fell to 6.4 percent on an annual basis.",
    ]),
    ("3. Risks and outlook", [
        "A late frost in April reduced the first-flush harvest in Shizuoka by 6 percent.",
        "Shipping costs from Kaohsiung to Los Angeles rose 22 percent during the quarter.",
        "The company hedges 60 percent of its US dollar income against the yen for twelve months.",
        "A stronger yen would reduce reported revenue from Taiwan and North America.",
        "Aozora plans to open a research kitchen in Osaka in the first half of 2027.",
        "Capital spending for 2027 is planned at 14 million US dollars.",
        "Most of that spending will go to a second cold-brew line in Shizuoka.",
        "The company has no bank debt and holds 21.3 million US dollars in cash.",
        "The next quarterly report will be published on 5 February 2027.",
        "Questions from investors can be sent to the investor relations team in Tokyo.",
        "Tea leaf prices at the Shizuoka auction rose 9 percent from last year.",
        "A new food-safety rule in the EU requires extra residue testing from 2027.",
        "The company expects the testing to cost about 0.3 million US dollars a year.",
        "No product recalls took place during the quarter.",
    ]),
]
CHART = {"Japan": 52, "Taiwan": 27, "Rest of Asia": 14, "Outside Asia": 7}
TABLE = [("Quarter", "Revenue (USD m)", "Operating margin"),
         ("Q3 2025", "43.0", "15.1 %"), ("Q4 2025", "44.6", "15.8 %"), ("Q1 2026", "45.1", "16.2 %"),
         ("Q2 2026", "46.9", "16.9 %"), ("Q3 2026", "48.2", "17.5 %")]


def _document():
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self) -> None:  # drawn on every page without triggering a page break
            self.set_y(-15)
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 5, f"Page {self.page_no()}", align="C")

    pdf = Report(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(TITLE)
    pdf.set_author("Aozora Tea Company (fictional)")
    pdf.set_creator("tools/make_sample_pdfs.py")
    pdf.set_producer("fpdf2")
    pdf.set_auto_page_break(auto=True, margin=18)
    return pdf


def report() -> bytes:
    pdf = _document()
    for number, (heading, sentences) in enumerate(PAGES, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 8, TITLE if number == 1 else heading, new_x="LMARGIN", new_y="NEXT")
        if number == 1:
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("Helvetica", "", 11)
        for sentence in sentences:
            pdf.multi_cell(0, 6, sentence, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())


def _chart_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    ax.bar(list(CHART), list(CHART.values()), color=["#2e7d32", "#43a047", "#81c784", "#c8e6c9"])
    ax.set_ylabel("% of revenue")
    ax.set_title("Revenue by market, Q3 2026")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def chart_and_table() -> bytes:
    pdf = _document()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, "Aozora Tea Company - Markets and margins", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "The chart shows each market's share of revenue in Q3 2026.", new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(_chart_png()), w=150)
    pdf.ln(4)
    pdf.multi_cell(0, 6, "The table shows revenue and operating margin for the last five quarters.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table(col_widths=(40, 50, 50), text_align="CENTER") as table:
        for row in TABLE:
            cells = table.row()
            for value in row:
                cells.cell(value)
    return bytes(pdf.output())


def locked(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=PASSWORD, owner_password=PASSWORD, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt(data: bytes) -> bytes:
    return data[: len(data) // 2]  # a download cut off halfway: no cross-reference table, no trailer


def build() -> dict[str, bytes]:
    """Every sample, by file name."""
    report_pdf = report()
    return {"quarterly_report.pdf": report_pdf, "chart_and_table.pdf": chart_and_table(),
            "locked.pdf": locked(report_pdf), "corrupt.pdf": corrupt(report_pdf)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
