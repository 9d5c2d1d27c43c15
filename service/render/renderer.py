"""The renderer: templates, fonts and stylesheet loaded once; decisions in, documents out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from service.core.filing import Signer
from service.core.filing_index import FilingIndex
from service.core.kinds import DocumentKind, ExhibitVariant, OutputFormat
from service.core.models import Decision
from service.core.ruling import Ruling
from service.errors import RenderError
from service.render.documents import (
    DocumentHtml,
    ExhibitPart,
    OmnibusSummary,
    RenderedDocument,
    case_context,
    case_template,
    choose_language,
    exhibit_context,
    omnibus_context,
    omnibus_kinds,
)
from service.render.filing_index import FILING_INDEX_TEMPLATE, filing_index_context
from service.render.letters import LetterContacts, help_lines, letter_context, letter_counts
from service.render.pdf import PdfEngine
from service.render.templating import Templates
from service.settings import Settings

_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


class Renderer:
    """Render motions, orders and letters; build one per process and reuse it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = Templates(settings.templates_dir)
        self.templates.compile_all()
        # Read now, with the fonts, so a deploy under a running worker cannot mix old and new.
        _ = self.templates.letter_languages, self.templates.version
        self.pdf = PdfEngine(settings.templates_dir, settings.fonts_dir)

    def html(
        self,
        kind: DocumentKind,
        decisions: Sequence[Decision],
        *,
        signer: Signer | None = None,
        draft: bool = False,
    ) -> DocumentHtml:
        """Render to HTML: a motion or order from one decision, a letter from one person's.

        A motion, response or order is signed by `signer`, the attorney who approved its filing;
        without one it is a draft, as it is with `draft`. A letter rendered here is the attorney's
        preview, before any ruling: always a draft ("DRAFT: NOT FOR MAILING"); letter() renders
        the one that is mailed.
        """
        if kind is DocumentKind.LETTER:
            return self._letter_html(decisions, None, mailed_on=None)
        if kind not in (DocumentKind.MOTION, DocumentKind.ORDER):
            raise RenderError(f"{kind.value} is rendered with omnibus() or exhibit(), not html()")
        if len(decisions) != 1:
            raise RenderError(f"a {kind.value} is rendered from exactly one decision, not {len(decisions)}")
        template = case_template(kind, decisions[0].basis)
        text = self.templates.render(template, case_context(decisions[0], signer=signer, draft=draft))
        return DocumentHtml(kind, text, _title_of(text), "en")

    def letter(self, decisions: Sequence[Decision], ruling: Ruling, *, mailed_on: date) -> DocumentHtml:
        """Render the letter that tells one person what the court's ruling did with their cases.

        `decisions` are the person's decisions in the ruling's court filing (a case of another
        court is refused); the letter is dated `mailed_on`, says the judge signed the order on
        `ruling.signed_on`, lists the granted counts and says what happened to every other one.
        Whom to call comes from the settings (public defender, help phone, DOJ record review).
        """
        return self._letter_html(decisions, ruling, mailed_on=mailed_on)

    def _letter_html(
        self, decisions: Sequence[Decision], ruling: Ruling | None, *, mailed_on: date | None
    ) -> DocumentHtml:
        person = decisions[0].person if decisions else None
        if person is None:
            raise RenderError("a letter needs at least one decision")
        languages = self.templates.letter_languages
        language, fallback_from = choose_language(person.language, list(languages))
        words = {
            section: by_language[language] for section, by_language in self.templates.charge_words.items()
        }
        counts = letter_counts(decisions, ruling, words)
        contacts = LetterContacts.from_settings(self.settings)
        context = letter_context(
            decisions, counts, ruling=ruling, mailed_on=mailed_on, contacts=contacts, draft=False
        )
        context.update(
            language=language,
            fallback_from=fallback_from,
            rtl=languages[language].rtl,
            help_lines=help_lines(
                {tag: (entry.rtl, entry.help) for tag, entry in languages.items() if tag != "en"}
            ),
        )
        text = self.templates.render(f"letter/{language}.html", context)
        notes = []
        if fallback_from:
            notes.append(f"no letter template for language {fallback_from}; sent in English")
        if not languages[language].reviewed:
            notes.append(
                f"letter text in {language} not yet reviewed by a legal translator (reviewed: false)"
            )
        return DocumentHtml(DocumentKind.LETTER, text, _title_of(text), language, tuple(notes))

    def omnibus(
        self, kind: DocumentKind, filer: Decision, summary: OmnibusSummary, signer: Signer | None
    ) -> DocumentHtml:
        """Render the omnibus motion (or response) or order of a court batch and one basis to HTML.

        `filer` gives the court and the office; `signer` signs, or the filing is a draft.
        """
        context = omnibus_context(filer, filer.court, summary, signer)
        context["exhibit_sealed"] = self.settings.exhibit_confidential(filer.court.code)
        context["exhibit_public"] = self.settings.exhibit_public(filer.court.code)
        if kind not in omnibus_kinds(summary.bases[0]):
            raise RenderError(f"an {summary.bases[0].value} omnibus filing has no {kind.value}")
        text = self.templates.render(f"{kind.value}.html", context)
        return DocumentHtml(kind, text, _title_of(text), "en")

    def exhibit(
        self,
        part: ExhibitPart,
        decisions: Sequence[Decision],
        summary: OmnibusSummary,
        *,
        final: bool,
        variant: ExhibitVariant = ExhibitVariant.FULL,
    ) -> DocumentHtml:
        """Render one part of Exhibit A (the list of cases, one row per count) to HTML, in one version.

        Unless `final` (its filing approved), every page is marked DRAFT. A confidential part says
        on its first page whether the court also gets a public version.
        """
        public_filed = bool(decisions) and self.settings.exhibit_public(decisions[0].court.code)
        context = exhibit_context(
            part, decisions, summary, final=final, variant=variant, public_filed=public_filed
        )
        text = self.templates.render("exhibit.html", context)
        return DocumentHtml(DocumentKind.EXHIBIT, text, _title_of(text), "en")

    def filing_index(self, index: FilingIndex) -> DocumentHtml:
        """Render a bundle's filing index (what to file, in which order and envelope) to HTML."""
        text = self.templates.render(FILING_INDEX_TEMPLATE, filing_index_context(index))
        return DocumentHtml(DocumentKind.FILING_INDEX, text, _title_of(text), "en")

    def render(
        self,
        kind: DocumentKind,
        decisions: Sequence[Decision],
        output_format: OutputFormat,
        *,
        signer: Signer | None = None,
        draft: bool = False,
    ) -> RenderedDocument:
        """Render a document in one format; `signer` and `draft` as for html()."""
        document = self.html(kind, decisions, signer=signer, draft=draft)
        return self.convert(document, output_format)

    def convert(self, document: DocumentHtml, output_format: OutputFormat) -> RenderedDocument:
        """Turn a rendered HTML document into the requested format."""
        if output_format is OutputFormat.HTML:
            content, pages = document.html.encode("utf-8"), None
        elif output_format is OutputFormat.PDF:
            pdf = self.pdf.render(document.html)
            content, pages = pdf.content, pdf.pages
        else:
            from service.render.docx import html_to_docx

            self.pdf.check_glyphs(document.html)
            content, pages = html_to_docx(document.html), None
        return RenderedDocument(
            document.kind, output_format, content, document.language, pages, document.notes
        )


def _title_of(text: str) -> str:
    match = _TITLE.search(text)
    return match.group(1).strip() if match else ""
