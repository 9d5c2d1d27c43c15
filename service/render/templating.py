"""The one Jinja2 environment: autoescaping on, StrictUndefined, the few filters templates use."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date

from service.errors import TemplateError

LETTER_LANGUAGES_FILE = "letter/languages.json"
CHARGE_WORDS_FILE = "letter/charges.json"  # each code section in plain words, in every letter language
WEB_FOLDER = "web"  # the web pages' templates and stylesheet: service/web renders them, not this
DOJ_FOLDER = "doj"  # the DOJ report's mapping (bundle/doj_report.py): no document is drawn from it


def is_document_file(name: str) -> bool:
    """Return whether a path relative to the templates folder belongs to the documents (not web/, doj/)."""
    return name.split("/", 1)[0] not in (WEB_FOLDER, DOJ_FOLDER)


def long_date(value: date, language: str = "en") -> str:
    """Return a date in the language's long form (June 15, 1998; 15 de junio de 1998)."""
    return format_date(value, format="long", locale=language.replace("-", "_"))


def short_date(value: date) -> str:
    """Return a date as MM/DD/YYYY, the form California courts print in tables."""
    return value.strftime("%m/%d/%Y")


def zip_code(value: str) -> str:
    """Return a ZIP code as 90017 or 90017-1234."""
    digits = value.replace("-", "")
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 else digits


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Build the Jinja2 environment for the given templates folder."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        auto_reload=False,
    )
    environment.filters.update(long_date=long_date, short_date=short_date, zip_code=zip_code)
    return environment


@dataclass(frozen=True)
class LetterLanguage:
    """A language a letter template exists for, and whether a legal translator reviewed it.

    `help` offers help in the language, in its own words, with "{phone}" where the number goes;
    every letter has the help lines of every language but English. `rtl`: written right to left.
    """

    tag: str
    name: str
    reviewed: bool
    help: str
    rtl: bool


class Templates:
    """The compiled templates of one templates folder; build once per process."""

    def __init__(self, templates_dir: Path) -> None:
        self.directory = templates_dir
        self.environment = make_environment(templates_dir)

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render a template, turning Jinja2's errors into TemplateError."""
        try:
            return self.environment.get_template(name).render(context)
        except jinja2.TemplateError as error:
            raise TemplateError(f"template {name} failed: {type(error).__name__}: {error}") from error

    def compile_all(self) -> list[str]:
        """Compile every document template so a broken one fails at start, not per job; return names."""
        names = [
            name for name in self.environment.list_templates(extensions=["html"]) if is_document_file(name)
        ]
        for name in names:
            try:
                self.environment.get_template(name)
            except jinja2.TemplateError as error:
                raise TemplateError(f"template {name} does not compile: {error}") from error
        return names

    @cached_property
    def letter_languages(self) -> dict[str, LetterLanguage]:
        """Return the letter languages listed in letter/languages.json, by BCP 47 tag."""
        raw = json.loads((self.directory / LETTER_LANGUAGES_FILE).read_text(encoding="utf-8"))
        return {
            tag: LetterLanguage(
                tag, entry["name"], bool(entry["reviewed"]), entry["help"], bool(entry.get("rtl", False))
            )
            for tag, entry in raw.items()
            if not tag.startswith("_")
        }

    @cached_property
    def charge_words(self) -> dict[str, dict[str, str]]:
        """Return each HSC section's plain words by letter language, from letter/charges.json."""
        raw = json.loads((self.directory / CHARGE_WORDS_FILE).read_text(encoding="utf-8"))
        return {section: dict(words) for section, words in raw.items() if not section.startswith("_")}

    @cached_property
    def version(self) -> str:
        """Return a short hash of every document template file (not web/): the template version.

        Court manifests record it, so it must change when a document can change and only then:
        the web pages' files are left out.
        """
        digest = hashlib.sha256()
        for path in sorted(p for p in self.directory.rglob("*") if p.is_file()):
            name = path.relative_to(self.directory).as_posix()
            if is_document_file(name):
                digest.update(name.encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
        return digest.hexdigest()[:16]
