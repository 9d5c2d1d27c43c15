"""HTML to PDF with WeasyPrint: bundled fonts only, a locked-down fetcher, reproducible output."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from service.errors import ForbiddenResourceError, MissingGlyphError, RenderError

STYLESHEET = "print.css"
FONT_SUFFIXES = (".ttf", ".otf")
_TAG = re.compile(r"<[^>]*>")
_BLOCKED_BASE_URL = "about:blank"  # documents resolve no relative URL to a file


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serve only files inside the allowed folders; any other URL stops the render."""

    def __init__(self, allowed_dirs: list[Path]) -> None:
        super().__init__(fail_on_errors=True)
        self.allowed_dirs = [directory.resolve() for directory in allowed_dirs]

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise _ForbiddenFetch(
                f"document refers to a forbidden resource ({parts.scheme or 'relative'} URL)"
            )
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(directory) for directory in self.allowed_dirs) or not path.is_file():
            raise _ForbiddenFetch("document refers to a file outside the project's assets")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


class _ForbiddenFetch(FatalURLFetchingError):  # type: ignore[misc]
    """Raised inside WeasyPrint to stop a render that reaches outside the assets."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


class PdfEngine:
    """WeasyPrint set up once: fonts, the parsed stylesheet and the glyph coverage of the fonts."""

    def __init__(self, templates_dir: Path, fonts_dir: Path) -> None:
        self.fetcher = AssetFetcher([fonts_dir, templates_dir])
        self.font_config = FontConfiguration()
        self.covered = _covered_characters(fonts_dir)
        stylesheet = (templates_dir / STYLESHEET).read_text(encoding="utf-8")
        self.stylesheet = CSS(
            string=stylesheet,
            base_url=fonts_dir.resolve().as_uri() + "/",
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )

    def check_glyphs(self, document_html: str) -> None:
        """Raise MissingGlyphError if the document's text needs a character no bundled font has."""
        text = html.unescape(_TAG.sub(" ", document_html))
        missing = sorted({char for char in text if ord(char) not in self.covered and not char.isspace()})
        if missing:
            raise MissingGlyphError(missing)

    def render(self, document_html: str) -> RenderedPdf:
        """Return the PDF of an HTML document and its page count."""
        self.check_glyphs(document_html)
        try:
            document = HTML(
                string=document_html, base_url=_BLOCKED_BASE_URL, url_fetcher=self.fetcher
            ).render(stylesheets=[self.stylesheet], font_config=self.font_config)
            content = document.write_pdf(pdf_identifier=False)
        except _ForbiddenFetch as error:
            raise ForbiddenResourceError(str(error)) from None
        except FatalURLFetchingError as error:
            raise ForbiddenResourceError(f"document refers to a forbidden resource: {error}") from None
        if not isinstance(content, bytes):
            raise RenderError("WeasyPrint returned no PDF")
        return RenderedPdf(content, len(document.pages))


class GlyphCoverage:
    """The code points at least one bundled font can draw, one bit each (139 KB).

    A set of the 46,000 code points the fonts cover took about 5 MiB more in every process.
    """

    def __init__(self, code_points: Iterable[int] = ()) -> None:
        self._bits = bytearray((sys.maxunicode + 1) // 8)
        self.add(code_points)

    def add(self, code_points: Iterable[int]) -> None:
        """Mark these code points as covered."""
        for code_point in code_points:
            self._bits[code_point >> 3] |= 1 << (code_point & 7)

    def __contains__(self, code_point: object) -> bool:
        if not isinstance(code_point, int) or not 0 <= code_point <= sys.maxunicode:
            return False
        return bool(self._bits[code_point >> 3] >> (code_point & 7) & 1)


def _covered_characters(fonts_dir: Path) -> GlyphCoverage:
    """Return every code point that at least one bundled font can draw."""
    paths = sorted(p for p in fonts_dir.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    if not paths:
        raise RenderError(f"no font files in {fonts_dir}; a render must never use the machine's fonts")
    covered = GlyphCoverage()
    for path in paths:
        with TTFont(path, lazy=True) as font:
            covered.add(font.getBestCmap())
    return covered
