"""Shipped templates and fonts, the folder defaults, and what the template version covers."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from service import assets
from service.errors import AssetsError
from service.render.templating import Templates
from service.settings import Settings


def test_templates_and_fonts_come_from_the_package_with_their_licences() -> None:
    templates, fonts = assets.templates_dir(), assets.fonts_dir()
    assert templates.is_absolute() and fonts.is_absolute()
    assert (templates / "print.css").is_file() and (templates / "web" / "web.css").is_file()
    assert (templates / "letter" / "languages.json").is_file()
    licences = {path.name for path in fonts.glob("LICENSE-*.txt")}
    assert licences == {"LICENSE-Liberation.txt", "LICENSE-Noto.txt", "LICENSE-NotoCJK.txt"}
    assert (fonts / "README.md").is_file() and list(fonts.glob("*.ttf"))


def test_the_output_folder_defaults_to_output_of_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).output_dir == tmp_path / "output"
    assert Settings().output_dir == tmp_path / "output"
    assert Settings.from_env({}).templates_dir == assets.templates_dir()
    assert Settings.from_env({}).fonts_dir == assets.fonts_dir()


def test_the_environment_overrides_every_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(
        {"COURTDOCS_OUTPUT_DIR": "out", "COURTDOCS_TEMPLATES_DIR": "t", "COURTDOCS_FONTS_DIR": "f"}
    )
    assert (settings.output_dir, settings.templates_dir, settings.fonts_dir) == (
        tmp_path / "out",
        tmp_path / "t",
        tmp_path / "f",
    )


def test_an_install_that_is_not_a_real_folder_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "courtdocs.zip"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("service/assets/templates/print.css", "")
    monkeypatch.setattr(assets, "files", lambda _package: zipfile.Path(archive, "service/assets/"))
    with pytest.raises(AssetsError, match="not a folder on disk"):
        assets.templates_dir()


def test_a_missing_shipped_folder_is_refused_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "files", lambda _package: tmp_path)
    with pytest.raises(AssetsError, match="fonts/ folder is missing"):
        assets.fonts_dir()


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    """A copy of the shipped templates folder, to change files in."""
    return Path(shutil.copytree(assets.templates_dir(), tmp_path / "templates"))


@pytest.mark.parametrize("name", ["web/web.css", "web/login.html", "web/base.html"])
def test_a_web_page_file_does_not_change_the_template_version(templates_copy: Path, name: str) -> None:
    before = Templates(templates_copy).version
    with (templates_copy / name).open("a", encoding="utf-8") as stream:
        stream.write("\n/* a page-only change */\n")
    assert Templates(templates_copy).version == before


@pytest.mark.parametrize("name", ["print.css", "motion.html", "letter/es.html", "letter/languages.json"])
def test_a_document_template_change_changes_the_template_version(templates_copy: Path, name: str) -> None:
    before = Templates(templates_copy).version
    path = templates_copy / name
    path.write_bytes(path.read_bytes() + b"\n")
    assert Templates(templates_copy).version != before


def test_the_document_templates_compile_without_the_web_pages(templates_copy: Path) -> None:
    (templates_copy / "web" / "login.html").write_text("{% broken", encoding="utf-8")
    names = Templates(templates_copy).compile_all()
    assert "motion.html" in names and not [name for name in names if name.startswith("web/")]
