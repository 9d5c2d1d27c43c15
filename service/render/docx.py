"""HTML of our own templates to an editable DOCX (python-docx): named styles, the PDF's content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from service.errors import RenderError
from service.render.docx_base import (
    TABLE_STYLES,
    append,
    base_document,
    borders,
    field,
    set_direction,
    sheet,
    stable_package,
)
from service.render.docx_tables import TEXT_WIDTH, column_widths, fix_layout

FILER_LINES = 7  # lines 1-7 hold the filer's block; the court's title starts on line 8
CORE_TEXT_MAX = 255  # characters python-docx accepts in one core property
VOID_TAGS = {"meta", "br", "hr", "img", "link", "input"}
_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML white space; not \s, which would eat &#160;
Runs = list[tuple[str, bool, bool]]  # text, bold, italic
SKIPPED_CLASSES = {"clerk-stamp", "page-number"}  # blank on purpose, or drawn by a field
# points before and after a block
BLOCK_SPACING = {"sender": (0, 20), "recipient": (0, 14), "closing": (14, 0), "help-lines": (10, 0)}
SIDE_BY_SIDE = {"caption": (0.52, 0.48), "signature": (0.38, 0.62)}  # shares of the text width
CAPTION_BLANK_LINE = 23.2  # points: a 24 pt line less the caption's 0.75 pt rule, as print.css's -1pt
KEPT_WITH_PREVIOUS = {"signature", "closing"}  # never alone at the top of a page
TABLES = {"counts": ("Counts Table", "Counts"), "changes": ("Changes Table", "Changes")}
# The column shares print.css gives a letter's changes table (case number, court, count, charge,
# new status): its rows as tall as the PDF's, not a narrow court column of one word a line.
SHARES = {"changes": (0.16, 0.24, 0.10, 0.28, 0.22)}


class _TreeParser(HTMLParser):
    """Build an ElementTree from the well-formed HTML our templates produce."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder, self.open = TreeBuilder(), ["document"]
        self.builder.start("document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.start(tag, {name: value or "" for name, value in attrs})
        if tag in VOID_TAGS:
            self.builder.end(tag)
        else:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS and self.open[-1] != tag:
            raise RenderError(f"malformed HTML: </{tag}> closes <{self.open[-1]}>")
        if tag not in VOID_TAGS:
            self.builder.end(self.open.pop())

    def handle_data(self, data: str) -> None:
        self.builder.data(data)


def parse_html(html: str) -> Element:
    """Return the element tree of an HTML document, under a 'document' root."""
    parser = _TreeParser()
    parser.feed(html)
    parser.close()
    if parser.open != ["document"]:
        raise RenderError(f"malformed HTML: <{parser.open[-1]}> is never closed")
    parser.builder.end("document")
    return parser.builder.close()


def html_to_docx(html: str) -> bytes:
    """Return an editable DOCX with the content of a motion, order or letter rendered to HTML."""
    root = parse_html(html)
    page = next((div for div in root.iter("div") if _classes(div) & {"pleading", "letter"}), None)
    if page is None:
        raise RenderError("the HTML has no div.pleading or div.letter to convert to DOCX")
    pleading = "pleading" in _classes(page)
    document = Document(BytesIO(base_document(pleading, _language(root))))
    selectors = {sel: name for name, sels, _ in sheet(pleading) for sel in sels.split()}
    converter = _Converter(document, selectors, rtl=_direction(root) == "rtl")
    for element in page:
        converter.block(element)
    _set_properties(document, root)
    return stable_package(document)


class _Converter:
    """Turn the blocks of one page div into paragraphs and tables, styled by selector."""

    def __init__(self, document: Any, styles: dict[str, str], *, rtl: bool) -> None:
        self.document, self.section, self.styles = document, document.sections[0], styles
        self.rtl = rtl

    def keep_last_with_next(self) -> None:
        """Keep the block added last with the block that follows it (CSS break-before: avoid)."""
        body = self.document.element.body
        last = next((child for child in reversed(body) if child.tag in (qn("w:p"), qn("w:tbl"))), None)
        if last is not None and last.tag == qn("w:tbl"):  # a table: the paragraphs of its last row
            last = last.findall(qn("w:tr"))[-1]
        for paragraph in [] if last is None else [last] if last.tag == qn("w:p") else last.iter(qn("w:p")):
            paragraph.get_or_add_pPr().keepNext_val = True

    def block(self, element: Element) -> None:
        """Add one block of the page (heading, paragraph, list, table or div) to the document."""
        classes = _classes(element)
        if element.tag in ("h2", "p"):
            style = self.styles[element.tag + (".flush" if "flush" in classes else "")]
            _paragraph(self.document, element, style)
        elif element.tag in ("ol", "ul"):
            for item in element.iter("li"):
                _paragraph(self.document, item, self.styles["li"])
        elif element.tag == "table":
            self.table(element, *next((TABLES[c] for c in classes if c in TABLES), TABLES["counts"]))
        elif shares := next((SIDE_BY_SIDE[c] for c in classes if c in SIDE_BY_SIDE), None):
            self.side_by_side(element, shares, caption="caption" in classes)
        elif "pleading-footer" in classes:
            page = self.section.footer.paragraphs[0]
            page.style = self.styles[".page-number"]
            field(page, "PAGE")
            self.lines(self.section.footer, element, self.styles[".footer-title"])
        elif "draft-mark" in classes:
            mark = self.section.header.paragraphs[-1]
            mark.style = self.styles[".draft-mark"]
            _add_runs(mark, _runs(element))
        elif element.tag == "div":
            self.div(element, classes)
        else:  # new template markup must be taught here, not silently dropped from the DOCX
            raise RenderError(f"no DOCX conversion for <{element.tag}> in a page")

    def div(self, element: Element, classes: set[str]) -> None:
        """Add a div's lines, then what CSS gives the block: a minimum height, spacing around."""
        if kept := bool(classes & KEPT_WITH_PREVIOUS):
            self.keep_last_with_next()
        added = self.lines(self.document, element, self.styles["p"])
        if kept:
            _keep_whole(added)
        if self.rtl and element.get("dir") == "ltr":  # an address in a Farsi letter
            for paragraph in added:
                set_direction(paragraph._p.get_or_add_pPr(), rtl=False)
        if "filer" in classes:
            filler = range(FILER_LINES - len(added))
            added += [_new_paragraph(self.document, self.styles[".filer-block"]) for _ in filler]
        before, after = next((BLOCK_SPACING[c] for c in classes if c in BLOCK_SPACING), (0, 0))
        if added and before:
            added[0].paragraph_format.space_before = Pt(before)
        if added and after:
            added[-1].paragraph_format.space_after = Pt(after)

    def lines(self, container: Any, element: Element, style: str) -> list[Any]:
        """Add one paragraph per innermost div of a block, styled by the nearest styled class."""
        classes = sorted(_classes(element))
        style = next((self.styles[f".{c}"] for c in classes if f".{c}" in self.styles), style)
        if lines := [child for child in element if child.tag == "p"]:  # a letter's help lines
            added = [_paragraph(container, line, style) for line in lines]
            for line, paragraph in zip(lines, added, strict=True):
                if line.get("dir") in ("ltr", "rtl") and (line.get("dir") == "rtl") != self.rtl:
                    set_direction(paragraph._p.get_or_add_pPr(), rtl=line.get("dir") == "rtl")
            return added
        if not any(child.tag == "div" for child in element):
            return [_paragraph(container, element, style)]
        kept = [c for c in element if c.tag == "div" and not _classes(c) & SKIPPED_CLASSES]
        return [paragraph for child in kept for paragraph in self.lines(container, child, style)]

    def fill(self, cell: Any, element: Element, style: str) -> None:
        """Fill a table cell with an element's lines, dropping the cell's first empty paragraph."""
        self.lines(cell, element, style)
        first = cell.paragraphs[0]._p
        first.getparent().remove(first)

    def table(self, element: Element, table_style: str, prefix: str) -> None:
        """Add a data table whose heading row repeats on every page and whose rows do not split."""
        rows = list(element.iter("tr"))
        table = _new_table(self.document, len(rows), max(map(len, rows)), table_style)
        for row, table_row in zip(rows, table.rows, strict=True):
            heading = row.find("th") is not None
            _row_properties(table_row, heading=heading)
            for cell, source in zip(table_row.cells, row, strict=False):
                self.fill(cell, source, f"{prefix} Heading" if heading else f"{prefix} Text")
                if heading and prefix == "Changes":
                    append(cell._tc.get_or_add_tcPr(), "w:shd", val="clear", fill="EEEEEE")
        headings = sum(row.find("th") is not None for row in rows)
        padding = sum(TABLE_STYLES[table_style][1][1::2]) / 1440  # left and right, in inches
        texts = [[_text(cell) for cell in row] for row in rows]
        shares = next((SHARES[c] for c in _classes(element) if c in SHARES), None)
        column_widths(table, texts, headings=headings, padding=padding, shares=shares)
        if self.rtl:  # the first column on the right, as in the PDF
            table._tbl.tblPr.insert_element_before(
                OxmlElement("w:bidiVisual"), "w:tblStyleRowBandSize", "w:tblW", "w:jc", "w:tblLayout"
            )

    def side_by_side(self, element: Element, shares: tuple[float, float], *, caption: bool) -> None:
        """Add two blocks side by side (caption, signature) as a two-column layout table."""
        style = next(self.styles[f".{c}"] for c in _classes(element) if f".{c}" in self.styles)
        if not caption:  # a blank line above the signature, kept with the text before it
            self.keep_last_with_next()
            _new_paragraph(self.document, self.styles["p.flush"]).paragraph_format.keep_with_next = True
        table = _new_table(self.document, 1, 2, "Layout Table")
        _row_properties(table.rows[0], heading=False)
        cells = table.rows[0].cells
        for column, cell, share, source in zip(table.columns, cells, shares, element, strict=False):
            column.width = cell.width = Inches(TEXT_WIDTH * share)
            self.fill(cell, source, style)
            if not caption:
                _keep_whole(cell.paragraphs)
        fix_layout(table)
        if caption:  # the blank line below is shorter by the rule, which LibreOffice adds to the row
            borders(cells[0]._tc.get_or_add_tcPr(), "w:tcBorders", "right", "bottom")
            blank = _new_paragraph(self.document, self.styles["p.flush"])
            blank.paragraph_format.line_spacing = Pt(CAPTION_BLANK_LINE)


def _language(root: Element) -> str:
    """Return the language tag of an HTML document."""
    return next(root.iter("html"), Element("html")).get("lang", "en")


def _direction(root: Element) -> str:
    """Return the writing direction of an HTML document: ltr or rtl."""
    return next(root.iter("html"), Element("html")).get("dir", "ltr")


def _classes(element: Element) -> set[str]:
    """Return the CSS classes of an element."""
    return set(element.get("class", "").split())


def _spans(element: Element, bold: bool = False, italic: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """Yield (text, bold, italic) for the inline content of an element, in order."""
    bold = bold or element.tag in ("strong", "b")
    italic = italic or element.tag in ("em", "i")
    yield element.text or "", bold, italic
    for child in element:
        yield from ([("\n", bold, italic)] if child.tag == "br" else _spans(child, bold, italic))
        yield child.tail or "", bold, italic


def _runs(element: Element) -> Runs:
    """Return the inline content of an element with HTML's white space collapsed."""
    runs: Runs = []
    after_space = True
    for text, bold, italic in _spans(element):
        text = text if text == "\n" else _SPACE.sub(" ", text)
        text = text.lstrip(" ") if after_space else text
        if text:
            after_space = text.endswith((" ", "\n"))
            runs.append((text, bold, italic))
    while runs and runs[-1][0].endswith(" "):
        runs[-1] = (runs[-1][0].rstrip(" "), *runs[-1][1:])
        runs = [run for run in runs if run[0]]
    return runs


def _text(element: Element) -> str:
    """Return the collapsed text of an element."""
    return "".join(text for text, _, _ in _runs(element))


def _paragraph(container: Any, element: Element, style: str) -> Any:
    """Add a paragraph with the element's inline runs to a document, cell, header or footer."""
    paragraph = _new_paragraph(container, style)
    _add_runs(paragraph, _runs(element))
    return paragraph


def _new_paragraph(container: Any, style: str) -> Any:
    """Add an empty paragraph in a named style, by its id.

    python-docx's `style=` looks the name up by scanning every style for every paragraph, which
    was half of the conversion time; our styles' ids are their names without spaces.
    """
    paragraph = container.add_paragraph()
    paragraph._p.get_or_add_pPr().style = style.replace(" ", "")
    return paragraph


def _new_table(document: Any, rows: int, columns: int, style: str) -> Any:
    """Add a table in a named table style, by its id (as _new_paragraph does for paragraphs)."""
    table = document.add_table(rows, columns)
    table._tbl.tblStyle_val = style.replace(" ", "")
    return table


def _add_runs(paragraph: Any, runs: Runs) -> None:
    """Append text runs, bold and italic where the HTML says so; a line break becomes a break."""
    for text, bold, italic in runs:
        run = paragraph.add_run(text)
        if bold:  # and in the complex-script slot, or Farsi would lose it
            run.bold = run.font.cs_bold = True
        if italic:
            run.italic = run.font.cs_italic = True


def _row_properties(row: Any, *, heading: bool) -> None:
    """Keep a row on one page; repeat a heading row on every page."""
    properties = row._tr.get_or_add_trPr()
    append(properties, "w:cantSplit")
    if heading:
        append(properties, "w:tblHeader")


def _keep_whole(paragraphs: list[Any]) -> None:
    """Keep a block's lines on one page: each paragraph whole, each with the next."""
    for paragraph in paragraphs:
        paragraph.paragraph_format.keep_together = True
    for paragraph in paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = True


def _set_properties(document: Any, root: Element) -> None:
    """Set title, author, subject, language and dates from the HTML head, for stable metadata."""
    meta = {tag.get("name", ""): tag.get("content", "") for tag in root.iter("meta")}
    properties = document.core_properties
    properties.title = _text(next(root.iter("title"), Element("title")))[:CORE_TEXT_MAX]
    properties.author = properties.last_modified_by = meta.get("author", "")[:CORE_TEXT_MAX]
    properties.subject = meta.get("description", "")[:CORE_TEXT_MAX]
    properties.language = _language(root)
    properties.comments, properties.revision = "", 1
    for attribute, name in (("created", "dcterms.created"), ("modified", "dcterms.modified")):
        if meta.get(name):
            setattr(properties, attribute, datetime.fromisoformat(meta[name]).astimezone(UTC))
