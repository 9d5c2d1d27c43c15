"""Build the fallback fonts in fonts/ from Debian's Noto packages (fonts-noto-cjk, fonts-noto-core).

Usage (from the repository root; takes about seven minutes):

    apt-get download fonts-noto-cjk fonts-noto-core
    dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto && dpkg-deb -x fonts-noto-core_*.deb /tmp/noto
    python fonts/build_fonts.py /tmp/noto/usr/share/fonts fonts

Every fallback face gets Liberation Serif's ascent and descent (in its own units): with the
fixed line heights of pleading paper and letters, a face whose ascent and descent split a line
differently would sit its baseline elsewhere and make a line with a Hangul, Chinese, Farsi or
Armenian word taller than the others, pushing pleading text off its numbered lines. Only the
metrics change; the outlines do not.

Noto Naskh Arabic and Noto Serif Armenian are copied whole. Noto Serif CJK comes as
collections, each holding one face per region (JP, KR, SC, TC, HK) over one shared set of
65,535 glyphs; a region's face maps a shared character to that region's form of it. A
collection is 26 MB per weight, so letters get smaller files, each a subset of one face (see
fonts/README.md):

- NotoSerifCJKkr-*-Hangul.otf: Hangul (the same in every face).
- NotoSerifCJKtc-*-Subset.otf: the Traditional Chinese face: CJK ideographs with extension A
  and the supplementary ones the face has, CJK punctuation, full-width forms, kana, bopomofo.
- NotoSerifCJKsc-*-Subset.otf: only the characters whose Simplified Chinese glyph differs from
  the Traditional one. Listed before the TC face for zh-Hans, it gives exactly the SC face's
  glyphs, since every other character is the same glyph in both faces.

The bold files cover fewer characters: bold is used for the letters' own headings, never for
names. But fontconfig ranks a face's support of the text's language above its weight, so a bold
file must support every language its regular file does, or bold Korean or Chinese text gets
the regular face: the bold files keep the characters of fontconfig's own orthographies of
those languages (ko; zh-tw, zh-hk, zh-mo, ja), read from the installed fontconfig, and GB 2312.
Latin, Greek and Cyrillic are left out, so Latin text always stays in Liberation Serif.

WeasyPrint embeds a subset of a font that keeps the glyph ids, so a PDF carries an empty entry
for every glyph below the highest one it uses. The common characters therefore come first in
each file: a letter's text uses low glyph ids, and its PDF stays small.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

WEIGHTS = ("Regular", "Bold")
REFERENCE = "LiberationSerif-Regular.ttf"  # in the output folder: the face of all Latin text
CORE_FONTS = tuple(
    f"Noto{family}-{weight}.ttf" for family in ("NaskhArabic", "SerifArmenian") for weight in WEIGHTS
)
# Pango keeps the spaces between CJK words in the CJK face; a face without them gets .notdef.
SPACES = ((0x20, 0x20), (0xA0, 0xA0))
PUNCTUATION = ((0x3000, 0x303F), (0xFF00, 0xFFEF))  # CJK punctuation; full-width forms
HANGUL = (
    *SPACES,
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
)
HAN = (
    *SPACES,
    *PUNCTUATION,
    (0x3040, 0x30FF),  # Hiragana, Katakana (Japanese names)
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x3400, 0x4DBF),  # CJK ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # supplementary ideographs (only those the face has)
)


def _code_points(ranges: Iterable[tuple[int, int]]) -> list[int]:
    return [cp for first, last in ranges for cp in range(first, last + 1)]


def _decoded(encoding: str, lead: range, trail: range) -> list[int]:
    """Return the characters of a double-byte encoding's rows, in the encoding's order."""
    found = []
    for first in lead:
        for second in trail:
            try:
                found.append(ord(bytes([first, second]).decode(encoding)))
            except (UnicodeDecodeError, TypeError):
                continue
    return found


def _orthography(*languages: str) -> list[int]:
    """Return the characters fontconfig requires of a face that supports the languages."""
    fontconfig = ctypes.CDLL("libfontconfig.so.1")
    fontconfig.FcLangGetCharSet.restype = ctypes.c_void_p
    fontconfig.FcLangGetCharSet.argtypes = [ctypes.c_char_p]
    fontconfig.FcCharSetHasChar.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    found: dict[int, None] = {}
    for language in languages:
        charset = fontconfig.FcLangGetCharSet(language.encode())
        found.update((cp, None) for cp in range(0x30000) if fontconfig.FcCharSetHasChar(charset, cp))
    return list(found)


def _languages(path: Path) -> str:
    """Return the languages fontconfig says a font file supports."""
    return subprocess.run(
        ["fc-query", "-f", "%{lang}", str(path)], check=True, capture_output=True, text=True
    ).stdout


BIG5_LEVEL1 = _decoded("big5", range(0xA4, 0xC7), range(0x40, 0xFF))  # 5,401 common hanzi
GB2312 = _decoded("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))  # 6,763 hanzi, level 1 first
KSX1001_HANGUL = _decoded("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))  # 2,350 syllables
COMMON_HANGUL = [*_code_points(SPACES), *KSX1001_HANGUL]
COMMON_HAN = [*_code_points(SPACES), *_code_points(PUNCTUATION), *BIG5_LEVEL1, *GB2312]


def _face(source: Path, region: str, *, lazy: bool = False) -> TTFont:
    for font in TTCollection(source, lazy=lazy).fonts:
        if font["name"].getDebugName(1).endswith(f" {region}"):
            return font
    raise SystemExit(f"no {region} face in {source}")


def _rename(font: TTFont, family: str, postscript: str, weight: str) -> None:
    """Name the subset as a modified version of its face (SIL OFL 1.1), keeping the notices."""
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = f"{family} {weight}"
        elif record.nameID == 3:
            record.string = f"{postscript};courtdocs"
        elif record.nameID == 6:
            record.string = postscript


def _subset(font: TTFont, keep: Sequence[int]) -> None:
    options = subset.Options()
    options.layout_features = []  # no closure: the region is chosen by face, not by 'locl'
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)


def _common_first(font: TTFont, first: Sequence[int]) -> None:
    """Renumber the glyphs of a CID-keyed CFF font: those of the `first` characters lead."""
    old = font.getGlyphOrder()
    cmap = font.getBestCmap()
    order = list(dict.fromkeys([old[0], *(cmap[cp] for cp in first if cp in cmap)]))  # .notdef: 0
    placed = set(order)
    order += [glyph for glyph in old if glyph not in placed]
    top = font["CFF "].cff.topDictIndex[0]
    fd_of = {glyph: top.FDSelect[gid] for gid, glyph in enumerate(old)}
    for glyph in old:
        top.CharStrings[glyph]  # load every charstring with its FD's private dict
    top.charset = order
    top.FDSelect.gidArray = [fd_of[glyph] for glyph in order]
    font.setGlyphOrder(order)


def _build(source: Path, region: str, keep: Sequence[int], first: Sequence[int], path: Path) -> None:
    weight = source.stem.split("-")[-1]
    font = _face(source, region)
    _subset(font, keep)
    kind = "Hangul" if region == "KR" else "Subset"
    _rename(
        font,
        f"Noto Serif CJK {region} Courtdocs {kind}",
        f"NotoSerifCJK{region.lower()}-{weight}-{kind}",
        weight,
    )
    font.recalcTimestamp = False  # the same sources give the same bytes
    font.save(path)
    font = TTFont(path, recalcTimestamp=False)  # renumber a clean copy of the subset
    _common_first(font, first)
    fit_line_metrics(font, _reference(path.parent))
    font.save(path)
    print(f"{path}: {len(keep):,} characters, {path.stat().st_size:,} bytes")


def fit_line_metrics(font: TTFont, reference: TTFont) -> None:
    """Give a font the reference's ascent, descent and line gap, scaled to its units per em."""
    scale = font["head"].unitsPerEm / reference["head"].unitsPerEm
    hhea, os2 = reference["hhea"], reference["OS/2"]
    font["hhea"].ascent, font["hhea"].descent = round(hhea.ascent * scale), round(hhea.descent * scale)
    font["hhea"].lineGap = round(hhea.lineGap * scale)
    font["OS/2"].sTypoAscender = round(hhea.ascent * scale)  # the hhea values: Pango may read either
    font["OS/2"].sTypoDescender = round(hhea.descent * scale)
    font["OS/2"].sTypoLineGap = round(hhea.lineGap * scale)
    font["OS/2"].usWinAscent, font["OS/2"].usWinDescent = (
        round(os2.usWinAscent * scale),
        round(os2.usWinDescent * scale),
    )


def _reference(out_dir: Path) -> TTFont:
    return TTFont(out_dir / REFERENCE, lazy=True)


def copy_noto_core(source_dir: Path, out_dir: Path) -> None:
    """Copy Noto Naskh Arabic and Noto Serif Armenian with the reference's line metrics."""
    for name in CORE_FONTS:
        font = TTFont(source_dir / name)
        fit_line_metrics(font, _reference(out_dir))
        font.recalcTimestamp = False
        font.save(out_dir / name)
        print(f"{out_dir / name}: {(out_dir / name).stat().st_size:,} bytes")


def build(source_dir: Path, out_dir: Path) -> None:
    """Write the six CJK files (three faces, two weights) into out_dir."""
    for weight in WEIGHTS:
        source = source_dir / f"NotoSerifCJK-{weight}.ttc"
        tc_cmap = _face(source, "TC", lazy=True).getBestCmap()
        sc_cmap = _face(source, "SC", lazy=True).getBestCmap()
        regular = weight == "Regular"
        hangul = _code_points(HANGUL) if regular else [*COMMON_HANGUL, *_orthography("ko")]
        han = _code_points(HAN) if regular else [*COMMON_HAN, *_orthography("zh-tw", "zh-hk", "zh-mo", "ja")]
        han_tc = [cp for cp in dict.fromkeys(han) if cp in tc_cmap]
        spaces = _code_points(SPACES)  # the same glyph in both faces, but SC needs them too
        han_sc = [cp for cp in han_tc if sc_cmap.get(cp) != tc_cmap[cp] or cp in spaces]
        hangul = [cp for cp in dict.fromkeys(hangul) if cp in tc_cmap]
        stem = f"{out_dir}/NotoSerifCJK"
        sc_first = [*_code_points(SPACES), *_code_points(PUNCTUATION), *GB2312]
        _build(source, "KR", hangul, COMMON_HANGUL, Path(f"{stem}kr-{weight}-Hangul.otf"))
        _build(source, "TC", han_tc, COMMON_HAN, Path(f"{stem}tc-{weight}-Subset.otf"))
        _build(source, "SC", han_sc, sc_first, Path(f"{stem}sc-{weight}-Subset.otf"))
    for name in ("kr-{}-Hangul", "tc-{}-Subset", "sc-{}-Subset"):
        languages = {
            weight: _languages(out_dir / f"NotoSerifCJK{name.format(weight)}.otf") for weight in WEIGHTS
        }
        if len(set(languages.values())) != 1:
            raise SystemExit(f"{name}: the weights support different languages: {languages}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    fonts, out = Path(sys.argv[1]), Path(sys.argv[2])
    copy_noto_core(fonts / "truetype" / "noto", out)
    build(fonts / "opentype" / "noto", out)
