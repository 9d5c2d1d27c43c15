"""LibreOffice as an attorney's word processor: DOCX to PDF, optionally without Liberation Serif."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from service import assets
from tests.pdftools import run_tool

HIDDEN_FAMILY = "Liberation"  # the PDFs' face, which most office machines lack

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
  <selectfont><rejectfont><glob>*{hidden}*</glob>
    <pattern><patelt name="family"><string>{hidden} Serif</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""


def soffice() -> str:
    """Return LibreOffice's soffice; skip the test where it is missing (fail in CI)."""
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing, and CI must run this test")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def convert_to_pdf(paths: Sequence[Path], folder: Path, env: dict[str, str] | None = None) -> list[Path]:
    """Convert documents to PDF in one LibreOffice run with a private profile; return the PDFs."""
    profile = (folder / "libreoffice-profile").as_uri()
    command = [soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    subprocess.run(
        [*command, "--outdir", str(folder), *map(str, paths)],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    pdfs = [path.with_suffix(".pdf") for path in paths]
    for pdf in pdfs:
        assert pdf.is_file(), f"LibreOffice made no {pdf.name}"
    return pdfs


def environment_without_liberation(folder: Path) -> dict[str, str]:
    """Return an environment whose fontconfig sees every font of this machine but Liberation's.

    The machine's fonts (DejaVu on a bare Debian) and the other faces the project ships (Noto:
    Armenian, Arabic, Hangul, Chinese) are linked into one folder; a rejectfont rule hides any
    Liberation face that fontconfig would find anyway (in a user's font folder, say).
    """
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig's fc-list is not installed")
    fonts = folder / "fonts"
    fonts.mkdir()
    machine = run_tool("fc-list", "--format", "%{file}\n").splitlines()
    shipped = [str(path) for path in assets.fonts_dir().iterdir() if path.suffix in (".ttf", ".otf")]
    for index, name in enumerate(sorted(set(machine + shipped))):
        if name and HIDDEN_FAMILY not in name and Path(name).suffix.lower() in (".ttf", ".otf", ".ttc"):
            (fonts / f"{index:04d}-{Path(name).name}").symlink_to(name)
    config = folder / "fonts.conf"
    cache = folder / "fontconfig-cache"
    config.write_text(FONTS_CONF.format(fonts=fonts, cache=cache, hidden=HIDDEN_FAMILY), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(config))
    seen = subprocess.run(["fc-list", ":", "family"], check=True, capture_output=True, text=True, env=env)
    assert HIDDEN_FAMILY not in seen.stdout, "the private fontconfig still shows Liberation"
    return env
