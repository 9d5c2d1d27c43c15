"""Read PDFs as a reader and a clerk's tools do: poppler, qpdf, pdfplumber."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

POINTS_PER_INCH = 72


def run_tool(*args: str) -> str:
    """Run a command-line tool and return what it printed; fail loudly if it fails."""
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def pdf_text(path: Path) -> str:
    return run_tool("pdftotext", "-layout", str(path), "-")


def page_texts(path: Path) -> list[str]:
    """Return each page's text as pdftotext reads that page alone (-f i -l i)."""
    info = run_tool("pdfinfo", str(path))
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    return [run_tool("pdftotext", "-f", str(i), "-l", str(i), str(path), "-") for i in range(1, pages + 1)]


def reading_text(path: Path) -> str:
    """Return the text in reading order with all white space collapsed to single spaces."""
    return " ".join(run_tool("pdftotext", str(path), "-").split())


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """Return pdffonts' table as dicts with name, type, emb, sub, uni."""
    lines = run_tool("pdffonts", str(path)).splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: read the yes/no columns from the right.
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def page_words(content: bytes) -> list[list[Word]]:
    """Return each page's words with their boxes (points from the top-left) and font size."""
    pages = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=True)
            pages.append([Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], w["size"]) for w in words])
    return pages


def page_sizes(content: bytes) -> list[tuple[float, float]]:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [(float(page.width), float(page.height)) for page in pdf.pages]


def table_lines(content: bytes, header: tuple[str, str]) -> list[list[str]]:
    """Return each printed line below a table's heading, cut into the heading's columns.

    The heading is the line holding both words of `header` (its first and last column); a column
    starts wherever the heading has a gap wider than a space, and a word belongs to the last
    column that starts at or left of it. A wrapped cell's second line is a line of its own.
    """
    lines: list[list[str]] = []
    for words in page_words(content):
        rows: dict[float, list[Word]] = {}
        for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
            key = next((b for b in rows if abs(b - word.bottom) < 1.5), word.bottom)
            rows.setdefault(key, []).append(word)
        ordered = [sorted(row, key=lambda w: w.x0) for _, row in sorted(rows.items())]
        heading = next(i for i, row in enumerate(ordered) if {w.text for w in row} >= set(header))
        starts = [ordered[heading][0].x0]
        for before, word in zip(ordered[heading], ordered[heading][1:], strict=False):
            if word.x0 - before.x1 > 4.5:
                starts.append(word.x0)
        for row in ordered[heading + 1 :]:
            cells = [""] * len(starts)
            for word in row:
                column = max((i for i, x in enumerate(starts) if x <= word.x0 + 0.5), default=0)
                cells[column] = f"{cells[column]} {word.text}".strip()
            lines.append(cells)
    return lines
