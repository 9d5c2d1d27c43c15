"""The empty DOCX every document starts from (page, named styles, margin furniture), and its writer.

Built once per process for each kind of paper and language; html_to_docx (service.render.docx)
fills a copy of it with a document's content.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

# Times New Roman, which Word has on Windows and macOS; the PDFs' bundled Liberation Serif is its
# metric twin, and LibreOffice shows Liberation Serif where Times New Roman is missing. Naming the
# bundled face instead made Word substitute a face of other widths: three pages for two.
FONT = "Times New Roman"
# The east-Asian slot of a letter in Korean or Chinese: the serif faces Windows has for them
# (macOS and LibreOffice substitute their own). Times New Roman also draws Arabic script (Farsi),
# so it fills the complex-script slot too. Armenian is in the Latin slots; where the face lacks
# it the word processor falls back glyph by glyph, as WeasyPrint does to Noto Serif Armenian.
EAST_ASIAN = {"ko": ("Batang", "ko-KR"), "zh-Hant": ("PMingLiU", "zh-TW"), "zh-Hans": ("SimSun", "zh-CN")}
RIGHT_TO_LEFT = {"fa": "fa-IR"}  # language: tag of the complex-script slot
AFTER_BIDI = (  # what may follow w:bidi in a w:pPr
    *("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents"),
    *("w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap"),
    *("w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)
PLEADING_LINES = 28  # numbered lines per pleading page, 24 pt apart from 1 in below the top

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
Pleading Body       | p li             | first=0.5
Pleading Body Flush | p.flush          |
Pleading Heading    | h2               | bold caps center keep
Filer               | .filer-block     |
Court Title         | .court-title     | bold caps center
Case Caption        | .caption         |
Case Caption Role   | .role            | left=1.5
Case Caption Title  | .document-title  | bold caps
Signature           | .signature       |
Signature Line      | .signature-line  | border=bottom:single:0 line=23.25
Pleading Footer     | .page-number     | size=10 center line=12
Footer Title        | .footer-title    | size=10 caps center line=12 before=4 border=top:single:2
Line Numbers        |                  | right border=right:double:4
Margin Rule         |                  | border=left
"""
LETTER_STYLES = """
Letter Body         | p p.flush li     | after=6
Letter Heading      | h2               | size=12.5 bold before=8 after=3 keep
Letter Help         | .help-lines      | border=top:single:6
Letter Address      | .sender .recipient |
Letter Sender       | .agency          | bold
Letter Date         | .letter-date     | after=10
Letter Subject      | .subject         | bold after=10
Letter Closing      | .closing         |
Letter Footer       |                  | size=10 center
"""
ALIGNMENTS = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
ALIGNMENTS["justify"] = WD_ALIGN_PARAGRAPH.JUSTIFY
SHORTHAND: dict[str, tuple[str, str, Any]] = {  # word: style part, attribute, unit of the value
    "bold": ("font", "bold", None),
    "caps": ("font", "all_caps", None),
    "underline": ("font", "underline", None),
    "keep": ("paragraph_format", "keep_with_next", None),
    "first": ("paragraph_format", "first_line_indent", Inches),
    "left": ("paragraph_format", "left_indent", Inches),
    "before": ("paragraph_format", "space_before", Pt),
    "after": ("paragraph_format", "space_after", Pt),
    "line": ("paragraph_format", "line_spacing", Pt),
}
COMPLEX_SCRIPT = {"bold": "cs_bold"}  # shorthand word: its twin for complex scripts
UNUSED_PARTS = {"stylesWithEffects", "thumbnail", "customXml", "numbering"}  # relationship types, last part
KEPT_STYLES = {"Header", "Footer"}  # the styles of python-docx's header and footer parts
TABLE_STYLES = {  # name: (ruled sides, cell padding top, left, bottom, right in twips), as print.css
    "Counts Table": ((), (0, 0, 0, 120)),
    "Layout Table": ((), (0, 108, 0, 108)),
    "Changes Table": (("top", "left", "bottom", "right", "insideH", "insideV"), (60, 100, 60, 100)),
}


def sheet(pleading: bool) -> list[list[str]]:
    """Return the paragraph styles of court papers or letters as [name, selectors, shorthand] rows."""
    return [[cell.strip() for cell in row.split("|")] for row in _stylesheet(pleading)]


@lru_cache(maxsize=16)
def base_document(pleading: bool, language: str) -> bytes:
    """Return an empty document with the page, styles and margin furniture set up, built once per process."""
    document = Document()
    _set_up_page(document, pleading)
    _set_up_styles(document, pleading, sheet(pleading), language)
    _set_up_fonts(document, language)
    _slim_down(document)
    return stable_package(document)


def _slim_down(document: Any) -> None:
    """Drop what python-docx's default template carries and our documents never use.

    The template holds 186 styles and their latent twins (styles.xml 355 KB, stylesWithEffects.xml
    438 KB), a thumbnail and custom XML: parsing, writing and compressing them was most of a DOCX's
    time. Word and LibreOffice use their built-in definitions for any style a user adds later.
    """
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in UNUSED_PARTS:
            document.part.drop_rel(rId)
    package_rels = document.part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in UNUSED_PARTS:
            package_rels.pop(rId)
    styles = document.styles.element
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    wanted = [i for i, style in by_id.items() if style.get(qn("w:default")) == "1" or i in KEPT_STYLES]
    wanted += [name.replace(" ", "") for name in (*_all_style_names(), *TABLE_STYLES)]
    kept: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in by_id:
            continue
        kept.add(style_id)
        links = ("w:basedOn", "w:next", "w:link")
        wanted += [ref.get(qn("w:val")) for tag in links for ref in by_id[style_id].findall(qn(tag))]
    for style_id, style in by_id.items():
        if style_id not in kept:
            styles.remove(style)


def _all_style_names() -> list[str]:
    """Return the names of every paragraph style of court papers and letters."""
    return [row[0] for pleading in (True, False) for row in sheet(pleading)]


def stable_package(document: Any) -> bytes:
    """Return the DOCX with fixed entry times, so the same document always gives the same bytes.

    python-docx's own save stamps each entry with the current time; this writes the same parts
    (see docx.opc.pkgwriter.PackageWriter) in one pass with a fixed time.
    """
    package = document.part.package
    parts = list(package.iter_parts())
    output = BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:

        def write(name: str, blob: bytes) -> None:
            entry = zipfile.ZipInfo(name.lstrip("/"), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            target.writestr(entry, blob, compress_type=zipfile.ZIP_DEFLATED)

        write("[Content_Types].xml", _ContentTypesItem.from_parts(parts).blob)  # type: ignore[no-untyped-call]
        write("_rels/.rels", package.rels.xml)
        for part in parts:
            write(part.partname, part.blob)
            if len(part.rels):
                write(part.partname.rels_uri, part.rels.xml)
    return output.getvalue()


def _stylesheet(pleading: bool) -> list[str]:
    """Return the stylesheet rows a court paper or a letter uses."""
    text = COMMON_STYLES + (PLEADING_STYLES if pleading else LETTER_STYLES)
    return [row for row in text.splitlines() if row.strip()]


def append(parent: Any, tag: str, **attributes: str) -> Any:
    """Append a w: element with w: attributes to an oxml element and return it."""
    child = OxmlElement(tag)
    for name, value in attributes.items():
        child.set(qn(f"w:{name}"), value)
    parent.append(child)
    return child


def borders(parent: Any, tag: str, *sides: str) -> None:
    """Append a border group (w:pBdr, w:tcBorders, w:tblBorders); a side is 'top[:kind[:space]]'."""
    group = append(parent, tag)
    for side in sides:
        name, _, rest = side.partition(":")
        kind, _, space = rest.partition(":")
        edge = {"val": kind or "single", "sz": "6", "space": space or "4", "color": "000000"}
        append(group, f"w:{name}", **edge)


def field(paragraph: Any, code: str) -> None:
    """Append a field such as PAGE or NUMPAGES, computed by the word processor."""
    field = append(paragraph._p, "w:fldSimple", instr=f" {code} ")
    append(append(field, "w:r"), "w:t").text = "1"


def _margin_frame(header: Any, style: str, lines: list[str], x: float, width: float) -> None:
    """Pin a paragraph beside the pleading lines of every page, as Word pleading paper does."""
    paragraph = header.paragraphs[-1].insert_paragraph_before(style=style)
    sizes = {"w": width * 20, "h": PLEADING_LINES * 480, "x": x * 20, "y": 1440}  # twips
    frame = {"hRule": "exact", "hAnchor": "page", "vAnchor": "page"}
    frame |= {name: str(round(value)) for name, value in sizes.items()}
    append(paragraph._p.get_or_add_pPr(), "w:framePr", **frame)
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
    """Set Normal, the named styles and the page furniture."""
    layout = document.styles["Normal"].paragraph_format
    _set_size(document.styles["Normal"], Pt(12))
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
    field(page, "PAGE")
    page.add_run(" / ")
    field(page, "NUMPAGES")


def _set_up_fonts(document: Any, language: str) -> None:
    """Set the default face of every script slot and the languages; right to left for Farsi."""
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    fonts = defaults.find(qn("w:rFonts"))
    fonts.attrib.clear()  # drop the theme fonts, which would win over FONT
    east_asian, east_asian_tag = EAST_ASIAN.get(language, (FONT, "en-US"))
    for script, face in (("ascii", FONT), ("hAnsi", FONT), ("eastAsia", east_asian), ("cs", FONT)):
        fonts.set(qn(f"w:{script}"), face)
    tags = defaults.find(qn("w:lang"))
    # The Latin slot's language: in a Korean, Chinese or Farsi letter only names and the agency's
    # English words are in Latin letters; tagged Korean, LibreOffice broke them anywhere.
    tags.set(qn("w:val"), "en-US" if language in EAST_ASIAN or language in RIGHT_TO_LEFT else language)
    tags.set(qn("w:eastAsia"), east_asian_tag)
    tags.set(qn("w:bidi"), RIGHT_TO_LEFT.get(language, "ar-SA"))
    if language in RIGHT_TO_LEFT:  # paragraphs run right to left, as the PDF's dir="rtl"
        set_direction(document.styles["Normal"].element.get_or_add_pPr(), rtl=True)
        footer = document.sections[0].footer.paragraphs[0]  # "1 / 2", as print.css has it
        set_direction(footer._p.get_or_add_pPr(), rtl=False)


def set_direction(properties: Any, *, rtl: bool) -> None:
    """Set the direction of a paragraph or paragraph style (its w:pPr), in the schema's order."""
    bidi = OxmlElement("w:bidi", attrs={qn("w:val"): "1" if rtl else "0"})
    properties.insert_element_before(bidi, *AFTER_BIDI)


def _set_size(style: Any, size: Pt) -> None:
    """Set a style's size for every script: w:sz alone leaves Farsi at the default 11 points."""
    style.font.size = size
    properties = style.element.get_or_add_rPr()
    properties.sz.addnext(OxmlElement("w:szCs", attrs={qn("w:val"): str(round(size.pt * 2))}))


def _add_style(document: Any, name: str, shorthand: str) -> None:
    """Add a paragraph style based on Normal, from its shorthand; the rest it inherits."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style, style.quick_style = document.styles["Normal"], True
    # A border first: python-docx then puts the properties it writes around it in schema order.
    for word in sorted(shorthand.split(), key=lambda word: not word.startswith("border=")):
        key, _, value = word.partition("=")
        if key == "border":
            borders(style.element.get_or_add_pPr(), "w:pBdr", value)
        elif key == "color":
            style.font.color.rgb = RGBColor.from_string(value)
        elif key == "size":
            _set_size(style, Pt(float(value)))
        elif key in ALIGNMENTS:
            style.paragraph_format.alignment = ALIGNMENTS[key]
        else:
            owner, attribute, unit = SHORTHAND[key]
            setattr(getattr(style, owner), attribute, unit(float(value)) if unit else True)
            if key in COMPLEX_SCRIPT:  # Farsi is bold where the Latin text is
                setattr(style.font, COMPLEX_SCRIPT[key], True)


def _add_table_style(document: Any, name: str, sides: tuple[str, ...], padding: tuple[int, ...]) -> None:
    """Add a table style with rules on the given sides and cell padding (top, left, bottom, right)."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.TABLE)
    style.base_style = document.styles["Normal Table"]
    properties = append(style.element, "w:tblPr")
    borders(properties, "w:tblBorders", *sides)
    margins = append(properties, "w:tblCellMar")
    for side, width in zip(("top", "left", "bottom", "right"), padding, strict=True):
        append(margins, f"w:{side}", w=str(width), type="dxa")
