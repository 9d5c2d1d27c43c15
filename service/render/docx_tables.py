"""Column widths of the DOCX's data tables, measured with the PDF's faces.

Word and LibreOffice lay a DOCX table out with the widths it states (LibreOffice ignores Word's
automatic fitting), so the widths must be right before either opens it. Each text is measured
with Liberation Serif's advance widths (Times New Roman's, which the DOCX names), falling back
to the PDF's Armenian and Arabic faces, and no column is narrower than its longest word in a
face SLACK times as wide: a heading such as "Disposition" must not break inside the word where
neither face is installed (DejaVu Serif, the widest common fallback, is up to 1.37 times as wide).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import zip_longest
from typing import Any

from docx.oxml.ns import qn
from docx.shared import Inches
from fontTools.ttLib import TTFont

from service import assets

TEXT_WIDTH = 6.5  # inches between the margins, pleading and letter alike
SIZE = 12 / 72  # inches of a 12 pt em
SLACK = {False: 1.3, True: 1.4}  # how much wider a face may be and keep words whole: text, headings
SPARE = 0.02  # inches a column gets beyond its text and cell padding
FACES = {  # in the order of print.css's font-family; a full-width character is an em
    False: ("LiberationSerif-Regular.ttf", "NotoSerifArmenian-Regular.ttf", "NotoNaskhArabic-Regular.ttf"),
    True: ("LiberationSerif-Bold.ttf", "NotoSerifArmenian-Bold.ttf", "NotoNaskhArabic-Bold.ttf"),
}
NARROW, WIDE = 0.6, 1.0  # ems of a character no face has: a narrow one, a full-width one


@lru_cache(maxsize=2)
def _advances(bold: bool) -> dict[int, float]:
    """Return the advance width in ems of every character of the regular or bold faces.

    Always the shipped faces, even under COURTDOCS_FONTS_DIR: the DOCX names Times New Roman,
    whose metrics are Liberation Serif's, whatever fonts the PDF is drawn in.
    """
    advances: dict[int, float] = {}
    for name in reversed(FACES[bold]):  # the first face that has a character wins
        with TTFont(assets.fonts_dir() / name, lazy=True) as font:
            scale, metrics = font["head"].unitsPerEm, font["hmtx"]
            advances |= {code: metrics[glyph][0] / scale for code, glyph in font.getBestCmap().items()}
    return advances


def text_width(text: str, *, bold: bool = False) -> float:
    """Return the inches a 12 pt text needs on one line in the PDF's faces."""
    advances = _advances(bold)
    return SIZE * sum(advances[ord(c)] if ord(c) in advances else _lacking(c) for c in text)


def _lacking(char: str) -> float:
    return WIDE if _wide(char) else NARROW


def _wide(char: str) -> bool:
    """Tell whether a character is full width (Chinese, Korean): an em wide."""
    return unicodedata.east_asian_width(char) in "WF"


def _words(text: str) -> list[str]:
    """Return the pieces a line may not break inside: words, and each Chinese character alone.

    Korean is written in words between spaces, and the PDF keeps them whole.
    """
    pieces = []
    for word in text.split():
        piece = ""
        for char in word:
            if _wide(char) and not unicodedata.name(char, "").startswith("HANGUL"):
                pieces += [piece, char] if piece else [char]
                piece = ""
            else:
                piece += char
        pieces += [piece] if piece else []
    return pieces


def column_widths(
    table: Any,
    texts: list[list[str]],
    *,
    headings: int,
    padding: float,
    shares: Sequence[float] | None = None,
) -> None:
    """Size columns as HTML's automatic table layout does, with room for a wider face.

    The first `headings` rows are bold; `padding` is the inches of a cell's left and right padding.
    `shares`: the fractions of the width print.css gives the columns; each gets its share, or its
    longest word if that is wider (the words of a wider face must not break).
    """
    room = padding + SPARE
    floors: list[list[float]] = [[], [], []]  # longest word: all widened, headings widened, exact
    lines, wide_lines = [], []  # longest text, exact and widened
    for column in zip_longest(*texts, fillvalue=""):
        cells = [(text, row < headings) for row, text in enumerate(column)]
        words = [(text_width(w, bold=bold), bold) for text, bold in cells for w in _words(text)]
        for floor, widened in zip(floors, ({False, True}, {True}, set()), strict=True):
            floor.append(room + max((w * (SLACK[b] if b in widened else 1) for w, b in words), default=0))
        lines.append(room + max(text_width(text, bold=bold) for text, bold in cells))
        wide_lines.append(room + max(text_width(text, bold=bold) * SLACK[bold] for text, bold in cells))
    least = _least(floors)
    fit = [max(pair) for pair in zip(least, lines, strict=True)]
    wide = [max(pair) for pair in zip(fit, wide_lines, strict=True)]
    widths = _share(least, fit, wide) if shares is None else _shared(least, shares)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)
        for cell in column.cells:
            cell.width = column.width
    fix_layout(table)


def _least(floors: Sequence[list[float]]) -> list[float]:
    """Return the narrowest widths: the first floor that fits, or the way to it from the one before.

    Too many long words give the text's words less slack first, then the headings'; if not even
    the exact words fit, all shrink alike, as HTML does.
    """
    for wider, floor in zip([None, *floors], floors, strict=False):
        if sum(floor) <= TEXT_WIDTH:
            if wider is None:
                return floor
            share = (TEXT_WIDTH - sum(floor)) / (sum(wider) - sum(floor))
            return [low + share * (high - low) for low, high in zip(floor, wider, strict=True)]
    return [width * TEXT_WIDTH / sum(floors[-1]) for width in floors[-1]]


def _share(least: list[float], fit: list[float], wide: list[float]) -> list[float]:
    """Share the text width among columns: each its longest word in a wide face, then its texts.

    Texts that fit on one line in Times New Roman get it (the PDF's lines); room left over goes
    to the columns that then fit on one line in a wide face too, those that need least first.
    """
    if sum(least) >= TEXT_WIDTH:
        return least
    if sum(fit) > TEXT_WIDTH:  # as HTML does: the room beyond the words, by what each text needs
        extra = [high - low for high, low in zip(fit, least, strict=True)]
        spare = TEXT_WIDTH - sum(least)
        return [low + spare * more / sum(extra) for low, more in zip(least, extra, strict=True)]
    widths, spare = list(fit), TEXT_WIDTH - sum(fit)
    for column in sorted(range(len(widths)), key=lambda column: wide[column] - fit[column]):
        grow = min(spare, wide[column] - widths[column])
        widths[column] += grow
        spare -= grow
    return [width + spare * width / sum(widths) for width in widths]


def _shared(least: list[float], shares: Sequence[float]) -> list[float]:
    """Give each column its share of the width, or its longest word; the others give up the room."""
    if sum(least) >= TEXT_WIDTH:
        return least
    wanted = [max(low, share * TEXT_WIDTH) for low, share in zip(least, shares, strict=True)]
    excess = sum(wanted) - TEXT_WIDTH
    room = [want - low for want, low in zip(wanted, least, strict=True)]
    return [want - excess * more / sum(room) for want, more in zip(wanted, room, strict=True)]


def fix_layout(table: Any) -> None:
    """Make Word keep the stated widths, as LibreOffice does, instead of fitting them anew."""
    table.autofit = False
    width = table._tbl.tblPr.find(qn("w:tblW"))
    if width is not None:
        width.set(qn("w:type"), "dxa")
        width.set(qn("w:w"), str(Inches(TEXT_WIDTH).twips))
