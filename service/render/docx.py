"""HTML of our own templates to an editable DOCX (python-docx): named styles, the PDF's content."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from html.parser import HTMLParser
from io import BytesIO
from itertools import zip_longest
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from service.errors import RenderError

FONT = "Liberation Serif"  # the bundled face of the PDFs
INTENDED_FONT = "Times New Roman"  # the metric-compatible face Word uses where FONT is missing
PLEADING_LINES = 28  # numbered lines per pleading page, 24 pt apart from 1 in below the top
FILER_LINES = 7  # lines 1-7 hold the filer's block; the court's title starts on line 8
TEXT_WIDTH = 6.5  # inches between the margins, pleading and letter alike
CHAR_WIDTH = 0.085  # inches a 12 pt character needs on average, a little generously
CELL_PADDING = 0.2  # inches of left plus right padding in a table cell
CORE_TEXT_MAX = 255  # characters python-docx accepts in one core property
VOID_TAGS = {"meta", "br", "hr", "img", "link", "input"}
_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML white space; not \s, which would eat &#160;
Runs = list[tuple[str, bool, bool]]  # text, bold, italic

# The paragraph styles, all based on Normal, as rows of: name | the HTML they style (tags,
# .classes) | properties in shorthand: points for sizes and spacing, inches for indents,
# border=side[:kind[:space]]. Common styles, then those of court paper, then those of letters.
COMMON_STYLES = """
Draft Mark          | .draft-mark      | size=14 bold center line=18 color=A00000
Counts Heading      |                  | bold underline
Counts Text         |                  |
Changes Heading     |                  | bold
Changes Text        |                  |
"""
PLEADING_STYLES = """
Pleading Body       | p li             | justify first=0.5
Pleading Body Flush | p.flush          | justify
Pleading Heading    | h2               | bold caps center keep
Filer               | .filer-block     |
Court Title         | .court-title     | bold caps center
Case Caption        | .caption         |
Case Caption Role   | .role            | left=1.5
Case Caption Title  | .document-title  | bold caps
Signature           | .signature       |
Signature Line      | .signature-line  | border=bottom:single:0
Pleading Footer     | .page-number     | size=10 center line=12
Footer Title        | .footer-title    | size=10 caps center line=12 before=4 border=top:single:2
Line Numbers        |                  | right border=right:double:4
Margin Rule         |                  | border=left
"""
LETTER_STYLES = """
Letter Body         | p p.flush li     | after=10
Letter Heading      | h2               | size=12.5 bold before=14 after=4 keep
Letter Address      | .sender .recipient |
Letter Sender       | .agency          | bold
Letter Date         | .letter-date     | after=16
Letter Subject      | .subject         | bold after=14
Letter Closing      | .closing         |
Letter Footer       |                  | size=10 center
"""
ALIGNMENTS = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
ALIGNMENTS["justify"] = WD_ALIGN_PARAGRAPH.JUSTIFY
SHORTHAND: dict[str, tuple[str, str, Any]] = {  # word: style part, attribute, unit of the value
    "bold": ("font", "bold", None),
    "caps": ("font", "all_caps", None),
    "underline": ("font", "underline", None),
    "size": ("font", "size", Pt),
    "keep": ("paragraph_format", "keep_with_next", None),
    "first": ("paragraph_format", "first_line_indent", Inches),
    "left": ("paragraph_format", "left_indent", Inches),
    "before": ("paragraph_format", "space_before", Pt),
    "after": ("paragraph_format", "space_after", Pt),
    "line": ("paragraph_format", "line_spacing", Pt),
}
SKIPPED_CLASSES = {"clerk-stamp", "page-number"}  # blank on purpose, or drawn by a field
BLOCK_SPACING = {"sender": (0, 20), "recipient": (0, 24), "closing": (18, 0)}  # points
SIDE_BY_SIDE = {"caption": (0.52, 0.48), "signature": (0.45, 0.55)}  # shares of the text width
TABLES = {"counts": ("Counts Table", "Counts"), "changes": ("Changes Table", "Changes")}
TABLE_STYLES = {  # name: (ruled sides, (vertical, horizontal) cell padding in twips)
    "Counts Table": ((), (0, 108)),
    "Layout Table": ((), (0, 108)),
    "Changes Table": (("top", "left", "bottom", "right", "insideH", "insideV"), (60, 100)),
}


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
    sheet = _sheet(pleading)
    document = Document(BytesIO(_base_document(pleading, _language(root))))
    converter = _Converter(document, {sel: name for name, sels, _ in sheet for sel in sels.split()})
    for element in page:
        converter.block(element)
    _set_properties(document, root)
    buffer = BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def _sheet(pleading: bool) -> list[list[str]]:
    return [[cell.strip() for cell in row.split("|")] for row in _stylesheet(pleading)]


@lru_cache(maxsize=8)
def _base_document(pleading: bool, language: str) -> bytes:
    """Return an empty document with the page, styles and margin furniture set up, built once per process."""
    document = Document()
    _set_up_page(document, pleading)
    _set_up_styles(document, pleading, _sheet(pleading), language)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def stable_zip(content: bytes) -> bytes:
    """Return the ZIP with fixed entry times, so the same document always gives the same bytes."""
    source = zipfile.ZipFile(BytesIO(content))
    output = BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def _stylesheet(pleading: bool) -> list[str]:
    """Return the stylesheet rows a court paper or a letter uses."""
    text = COMMON_STYLES + (PLEADING_STYLES if pleading else LETTER_STYLES)
    return [row for row in text.splitlines() if row.strip()]


class _Converter:
    """Turn the blocks of one page div into paragraphs and tables, styled by selector."""

    def __init__(self, document: Any, styles: dict[str, str]) -> None:
        self.document, self.section, self.styles = document, document.sections[0], styles

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
            _field(page, "PAGE")
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
        added = self.lines(self.document, element, self.styles["p"])
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
        table = self.document.add_table(len(rows), max(map(len, rows)), table_style)
        for row, table_row in zip(rows, table.rows, strict=True):
            heading = row.find("th") is not None
            _row_properties(table_row, heading=heading)
            for cell, source in zip(table_row.cells, row, strict=False):
                self.fill(cell, source, f"{prefix} Heading" if heading else f"{prefix} Text")
                if heading and prefix == "Changes":
                    _append(cell._tc.get_or_add_tcPr(), "w:shd", val="clear", fill="EEEEEE")
        _column_widths(table, [[_text(cell) for cell in row] for row in rows])

    def side_by_side(self, element: Element, shares: tuple[float, float], *, caption: bool) -> None:
        """Add two blocks side by side (caption, signature) as a two-column layout table."""
        style = next(self.styles[f".{c}"] for c in _classes(element) if f".{c}" in self.styles)
        if not caption:  # a blank line above the signature; below the caption
            _new_paragraph(self.document, self.styles["p.flush"])
        table = self.document.add_table(rows=1, cols=2, style="Layout Table")
        _row_properties(table.rows[0], heading=False)
        cells = table.rows[0].cells
        for column, cell, share, source in zip(table.columns, cells, shares, element, strict=False):
            column.width = cell.width = Inches(TEXT_WIDTH * share)
            self.fill(cell, source, style)
        if caption:
            _borders(cells[0]._tc.get_or_add_tcPr(), "w:tcBorders", "right", "bottom")
            _new_paragraph(self.document, self.styles["p.flush"])


def _language(root: Element) -> str:
    """Return the language tag of an HTML document."""
    return next(root.iter("html"), Element("html")).get("lang", "en")


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


def _add_runs(paragraph: Any, runs: Runs) -> None:
    """Append text runs, bold and italic where the HTML says so; a line break becomes a break."""
    for text, bold, italic in runs:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
        if italic:
            run.italic = True


def _row_properties(row: Any, *, heading: bool) -> None:
    """Keep a row on one page; repeat a heading row on every page."""
    properties = row._tr.get_or_add_trPr()
    _append(properties, "w:cantSplit")
    if heading:
        _append(properties, "w:tblHeader")


def _column_widths(table: Any, texts: list[list[str]]) -> None:
    """Size columns as HTML's automatic table layout does: whole texts if they fit, else words."""
    columns = list(zip_longest(*texts, fillvalue=""))
    wish = [_width(max(column, key=len)) for column in columns]
    least = [_width(max((w for t in column for w in t.split()), key=len, default="")) for column in columns]
    if sum(wish) <= TEXT_WIDTH:
        widths = [width * TEXT_WIDTH / sum(wish) for width in wish]
    else:
        extra = [high - low for high, low in zip(wish, least, strict=True)]
        spare = max(TEXT_WIDTH - sum(least), 0)
        widths = [low + spare * more / (sum(extra) or 1) for low, more in zip(least, extra, strict=True)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)
        for cell in column.cells:
            cell.width = column.width


def _width(text: str) -> float:
    """Return the inches a table cell needs to hold a text on one line."""
    return CHAR_WIDTH * len(text) + CELL_PADDING


def _append(parent: Any, tag: str, **attributes: str) -> Any:
    """Append a w: element with w: attributes to an oxml element and return it."""
    child = OxmlElement(tag)
    for name, value in attributes.items():
        child.set(qn(f"w:{name}"), value)
    parent.append(child)
    return child


def _borders(parent: Any, tag: str, *sides: str) -> None:
    """Append a border group (w:pBdr, w:tcBorders, w:tblBorders); a side is 'top[:kind[:space]]'."""
    group = _append(parent, tag)
    for side in sides:
        name, _, rest = side.partition(":")
        kind, _, space = rest.partition(":")
        edge = {"val": kind or "single", "sz": "6", "space": space or "4", "color": "000000"}
        _append(group, f"w:{name}", **edge)


def _field(paragraph: Any, code: str) -> None:
    """Append a field such as PAGE or NUMPAGES, computed by the word processor."""
    field = _append(paragraph._p, "w:fldSimple", instr=f" {code} ")
    _append(_append(field, "w:r"), "w:t").text = "1"


def _margin_frame(header: Any, style: str, lines: list[str], x: float, width: float) -> None:
    """Pin a paragraph beside the pleading lines of every page, as Word pleading paper does."""
    paragraph = header.paragraphs[-1].insert_paragraph_before(style=style)
    sizes = {"w": width * 20, "h": PLEADING_LINES * 480, "x": x * 20, "y": 1440}  # twips
    frame = {"hRule": "exact", "hAnchor": "page", "vAnchor": "page"}
    frame |= {name: str(round(value)) for name, value in sizes.items()}
    _append(paragraph._p.get_or_add_pPr(), "w:framePr", **frame)
    run = paragraph.add_run(lines[0])
    for line in lines[1:]:
        run.add_break()
        if line:
            run.add_text(line)


def _set_up_page(document: Any, pleading: bool) -> None:
    """Set letter-size pages with the margins of pleading paper or of a letter."""
    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    top, right, bottom, left = (1, 0.5, 48 / 72, 1.5) if pleading else (1, 1, 1, 1)
    section.top_margin, section.right_margin = Inches(top), Inches(right)
    section.bottom_margin, section.left_margin = Inches(bottom), Inches(left)
    section.header_distance = Inches(0.5)
    section.footer_distance = Inches(0.15 if pleading else 0.5)


def _set_up_styles(document: Any, pleading: bool, sheet: list[list[str]], language: str) -> None:
    """Set the default font and language, Normal, the named styles and the page furniture."""
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    fonts = defaults.find(qn("w:rFonts"))
    fonts.attrib.clear()  # drop the theme fonts, which would win over FONT
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{script}"), FONT)
    defaults.find(qn("w:lang")).set(qn("w:val"), language)
    _declare_font(document)
    layout = document.styles["Normal"].paragraph_format
    document.styles["Normal"].font.size = Pt(12)
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing = Pt(24 if pleading else 16)
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY if pleading else WD_LINE_SPACING.AT_LEAST
    for name, _, shorthand in sheet:
        _add_style(document, name, shorthand)
    for name, (sides, padding) in TABLE_STYLES.items():
        _add_table_style(document, name, sides, padding)
    (_set_up_pleading_margin if pleading else _set_up_letter_footer)(document.sections[0])


def _set_up_pleading_margin(section: Any) -> None:
    """Number the 28 lines of every page left of a double rule; rule the right margin."""
    numbers = [str(number) for number in range(1, PLEADING_LINES + 1)]
    _margin_frame(section.header, "Line Numbers", numbers, 0, 100)
    _margin_frame(section.header, "Margin Rule", [""] * PLEADING_LINES, 612 - 36 + 6, 20)


def _set_up_letter_footer(section: Any) -> None:
    """Put 'page / pages' at the foot of every page of a letter."""
    page = section.footer.paragraphs[0]
    page.style = "Letter Footer"
    _field(page, "PAGE")
    page.add_run(" / ")
    _field(page, "NUMPAGES")


def _declare_font(document: Any) -> None:
    """Tell Word that FONT is a Times-like roman face, shown as INTENDED_FONT where missing."""
    part = next(p for p in document.part.package.iter_parts() if p.partname.endswith("/fontTable.xml"))
    entry = (
        f'<w:font w:name="{FONT}"><w:altName w:val="{INTENDED_FONT}"/>'
        '<w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
        '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>'
    )
    part._blob = part.blob.replace(b"</w:fonts>", entry.encode())  # python-docx has no API for it


def _add_style(document: Any, name: str, shorthand: str) -> None:
    """Add a paragraph style based on Normal, from its shorthand; the rest it inherits."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style, style.quick_style = document.styles["Normal"], True
    # A border first: python-docx then puts the properties it writes around it in schema order.
    for word in sorted(shorthand.split(), key=lambda word: not word.startswith("border=")):
        key, _, value = word.partition("=")
        if key == "border":
            _borders(style.element.get_or_add_pPr(), "w:pBdr", value)
        elif key == "color":
            style.font.color.rgb = RGBColor.from_string(value)
        elif key in ALIGNMENTS:
            style.paragraph_format.alignment = ALIGNMENTS[key]
        else:
            owner, attribute, unit = SHORTHAND[key]
            setattr(getattr(style, owner), attribute, unit(float(value)) if unit else True)


def _add_table_style(document: Any, name: str, sides: tuple[str, ...], padding: tuple[int, int]) -> None:
    """Add a table style with rules on the given sides and cell padding (vertical, horizontal)."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.TABLE)
    style.base_style = document.styles["Normal Table"]
    properties = _append(style.element, "w:tblPr")
    _borders(properties, "w:tblBorders", *sides)
    margins = _append(properties, "w:tblCellMar")
    for side, width in zip(("top", "left", "bottom", "right"), padding * 2, strict=True):
        _append(margins, f"w:{side}", w=str(width), type="dxa")


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
