"""The report as a PDF (ReportLab): one template for the three kinds.

Every page carries the platform, the report number, "第 N 页 共 M 页" and a diagonal
watermark "仅供…使用" naming the stated purpose; the first page has the title, number, time,
issuing platform, the QR code of the verification page and the verification code. Text is set
in WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``, a TrueType collection: ``subfontIndex=0``),
embedded as a subset; ReportLab cannot embed CFF-outlined fonts such as Noto CJK.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xinyong.settings import get_settings

FONT = "WenQuanYiZenHei"
NUMERALS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings up to 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens] + "十")
    return head + (NUMERALS[ones] if ones else "") if n >= 10 else NUMERALS[n]


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=4)
def register_font(path: str) -> str:
    if not Path(path).is_file():
        raise FontMissing(
            f"找不到报告字体文件“{path}”：请安装 Debian 软件包 fonts-wqy-zenhei"
            "（make install 会安装），或用 XINYONG_REPORT_FONT 指定文泉驿正黑 .ttc 文件"
        )
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    rl_config.useA85 = 0  # binary streams: ASCII85 only makes the file larger and slower
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=11),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=1),
        "h1": ParagraphStyle("h1", parent=base, fontSize=13, leading=20, spaceBefore=8),
        "h2": ParagraphStyle("h2", parent=base, fontSize=10.5, leading=16, spaceBefore=4),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=12),
    }


def _page_canvas(content: dict[str, Any]) -> type[Canvas]:
    """A canvas that draws the watermark, header and "第 N 页 共 M 页" once it knows M."""
    platform, number = content["platform"], content["number"]
    mark = content["watermark"]

    class ReportCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = FONT  # else an unembedded Helvetica is declared
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = A4
            self.saveState()
            self.setFont(FONT, 22)
            self.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.18))
            for x, y in ((0.3, 0.25), (0.55, 0.55), (0.3, 0.8)):
                self.saveState()
                self.translate(width * x, height * y)
                self.rotate(35)
                self.drawCentredString(0, 0, mark)
                self.restoreState()
            self.restoreState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.grey)
            self.drawString(20 * mm, height - 12 * mm, platform)
            self.drawRightString(width - 20 * mm, height - 12 * mm, f"报告编号：{number}")
            self.line(20 * mm, height - 13.5 * mm, width - 20 * mm, height - 13.5 * mm)
            page = self._pageNumber
            self.drawCentredString(width / 2, 10 * mm, f"第 {page} 页 共 {total} 页")

    return ReportCanvas


def _qr(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.initialFontName = FONT  # else the renderer declares an unembedded Helvetica
    drawing.add(widget)
    return drawing


CELL_SIZE = 8.0
CELL_PAD = 6.0  # Table's default left + right padding


@lru_cache(maxsize=8192)
def _char_width(char: str) -> float:
    return pdfmetrics.stringWidth(char, FONT, CELL_SIZE)


def wrap(text: str, width: float) -> str:
    """``text`` broken into lines that fit ``width`` points (table cells as plain strings are
    several times faster to lay out than CJK-wrapped paragraphs)."""
    lines: list[str] = []
    for part in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for char in part:
            w = _char_width(char)
            if line and used + w > width:
                lines.append("".join(line))
                line, used = [], 0.0
            line.append(char)
            used += w
        lines.append("".join(line))
    return "\n".join(lines)


def _cells(rows: list[list[Any]], widths: list[float]) -> list[list[str]]:
    return [[wrap(str(v), w - CELL_PAD) for v, w in zip(row, widths, strict=True)] for row in rows]


def _grid(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(_cells(rows, widths), colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, CELL_SIZE + 3),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.96)))
    table.setStyle(TableStyle(style))
    return table


def _widths(columns: list[str], total: float) -> list[float]:
    fixed = {
        "序号": 10 * mm,
        "决定日期": 20 * mm,
        "评价日": 20 * mm,
        "状态": 20 * mm,
        "领域": 20 * mm,
    }
    free = [c for c in columns if c not in fixed]
    rest = (total - sum(fixed.get(c, 0) for c in columns)) / max(len(free), 1)
    weights = {"主要内容": 1.6, "数据来源": 0.6}
    scale = sum(weights.get(c, 1.0) for c in free) / max(len(free), 1)
    return [fixed.get(c, rest * weights.get(c, 1.0) / scale) for c in columns]


def _cover(content: dict[str, Any], st: dict[str, ParagraphStyle], width: float) -> list[Any]:
    facts = [
        ["报告编号", content["number"]],
        ["报告时间", content["issued_at"]],
        ["出具机构", content["platform"]],
        ["查询用途", content["purpose"]],
        ["验证码", content["verification_code"]],
    ]
    for label, value in content.get("extra_facts", []):
        facts.append([label, value])
    left = _grid(facts, [25 * mm, width - 25 * mm - 34 * mm], header=False)
    verify = Paragraph(f"扫码或访问核验：{escape(content['verify_url'])}", st["small"])
    cover = Table([[left, [_qr(content["qr_url"]), verify]]], colWidths=[width - 34 * mm, 34 * mm])
    cover.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), FONT)])
    )
    return [Paragraph(escape(content["title"]), st["title"]), Spacer(1, 6 * mm), cover]


def render_pdf(content: dict[str, Any]) -> bytes:
    """The unsigned PDF of ``content`` (see ``reports.service``)."""
    register_font(str(get_settings().report_font))
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=content["title"],
        author=content["platform"],
        subject=content["number"],
        keywords=f"report_number={content['number']}",
        creator="xinyong",
    )
    width = doc.width
    story: list[Any] = _cover(content, st, width)
    story.append(Paragraph("一、信息概要", st["h1"]))
    summary = [["部分", "条数"]] + [[s["name"], str(s["count"])] for s in content["sections"]]
    story.append(_grid(summary, [width - 30 * mm, 30 * mm]))
    story.append(Paragraph("二、主体基本情况", st["h1"]))
    story.append(_grid(content["facts"], [35 * mm, width - 35 * mm], header=False))
    for index, section in enumerate(content["sections"]):
        heading = f"{numeral(index + 3)}、{section['name']}（{section['count']}条）"
        story.append(Paragraph(escape(heading), st["h1"]))
        if section["note"]:
            story.append(Paragraph(escape(section["note"]), st["small"]))
        shown = [g for g in section["groups"] if g["count"]]
        if not shown:
            story.append(Paragraph(content.get("empty", "无"), st["body"]))
        for group in shown:
            if group["name"] != section["name"]:  # a section of one item needs no subheading
                story.append(Paragraph(escape(f"{group['name']}（{group['count']}条）"), st["h2"]))
            rows = [group["columns"], *group["rows"]]
            story.append(_grid(rows, _widths(group["columns"], width)))
    story.append(Paragraph("说明", st["h1"]))
    for note in content["notes"]:
        story.append(Paragraph(escape(note), st["small"]))
    doc.build(story, canvasmaker=_page_canvas(content))
    return buffer.getvalue()
