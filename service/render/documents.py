"""What documents exist, and the template context each one is rendered from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.core.filing import Signer
from service.core.kinds import MEDIA_TYPES, DocumentKind, ExhibitVariant, OutputFormat
from service.core.models import Agency, Basis, Court, Decision, Relief
from service.errors import RenderError


@dataclass(frozen=True)
class DocumentHtml:
    """A document rendered to HTML, with what the later stages need to know about it."""

    kind: DocumentKind
    html: str
    title: str
    language: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedDocument:
    """A finished document: its bytes and the facts a manifest records about it."""

    kind: DocumentKind
    format: OutputFormat
    content: bytes
    language: str
    pages: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


# ISO 639-3 tags of a language a letter is written in: Mandarin and Cantonese read Chinese,
# Iranian Persian reads Farsi.
_LANGUAGE_ALIASES = {"cmn": "zh", "yue": "zh", "pes": "fa"}
# Chinese without a script subtag is Traditional (as Los Angeles County's courts publish it),
# except for the regions that write Simplified.
_SIMPLIFIED_CHINESE_REGIONS = frozenset({"cn", "sg", "my"})


def choose_language(requested: str, available: Sequence[str]) -> tuple[str, str | None]:
    """Return the letter language for a BCP 47 tag, and the tag asked for if it fell back.

    Subtags are dropped from the end until a letter language matches (es-MX is es); Chinese
    gets its script from the region when the tag has none (zh and zh-TW are zh-Hant, zh-CN is
    zh-Hans). A tag that matches nothing gets English.
    """
    subtags = requested.lower().replace("_", "-").split("-")
    subtags[0] = _LANGUAGE_ALIASES.get(subtags[0], subtags[0])
    has_script = len(subtags) > 1 and len(subtags[1]) == 4 and subtags[1].isalpha()
    if subtags[0] == "zh" and not has_script:
        region = subtags[1] if len(subtags) > 1 else ""
        subtags.insert(1, "hans" if region in _SIMPLIFIED_CHINESE_REGIONS else "hant")
    by_lower = {tag.lower(): tag for tag in available}
    for end in range(len(subtags), 0, -1):
        candidate = "-".join(subtags[:end])
        if candidate in by_lower:
            return by_lower[candidate], None
    return "en", requested


@dataclass(frozen=True)
class OmnibusSummary:
    """What the omnibus motion and order say about the cases of a court batch."""

    cases: int
    counts: int
    parts: int
    by_relief: tuple[tuple[str, int], ...]
    bases: tuple[Basis, ...]


def basis_words(basis: Basis) -> dict[str, Any]:
    """Return the statutory basis in full and short form, and whether it answers a petition.

    Under HSC 11361.8 the person petitioned or applied and the People respond (`petition`);
    under HSC 11361.9 the People move. A filing names exactly one basis.
    """
    section = basis.value.removeprefix("HSC ")
    return {
        "basis_text": f"Health and Safety Code section {section}",
        "basis_short": f"HSC § {section}",
        "petition": basis is Basis.PETITION,
    }


def case_template(kind: DocumentKind, basis: Basis) -> str:
    """Return the template of a per-case court document: an 11361.8 case is answered, not moved."""
    if kind is DocumentKind.MOTION and basis is Basis.PETITION:
        return "response.html"
    return f"{kind.value}.html"


def omnibus_kinds(basis: Basis) -> tuple[DocumentKind, DocumentKind]:
    """Return the omnibus filing of one basis: the People's motion or response, then the order."""
    people = DocumentKind.OMNIBUS_RESPONSE if basis is Basis.PETITION else DocumentKind.OMNIBUS_MOTION
    return people, DocumentKind.OMNIBUS_ORDER


def signing_context(
    agency: Agency, signer: Signer | None, decided: Decision, *, draft: bool
) -> dict[str, Any]:
    """Return who signs a court filing, and whether it is a draft.

    A filing is signed by the attorney who approved that filing (`signer`), dated the day of that
    approval; without one it is a draft: marked on every page, signed by no one, its attorney block
    naming the office (`agency`) only. The documents' creation date is the approval's, or, for a
    draft, the time the decision `decided` was made.
    """
    created = decided.approved_at.isoformat()
    if signer is not None:
        created = f"{signer.approved_on.isoformat()}T00:00:00+00:00"
    return {"agency": agency, "signer": signer, "draft": draft or signer is None, "created": created}


def case_context(decision: Decision, *, signer: Signer | None, draft: bool) -> dict[str, Any]:
    """Return the template context of a per-case court document (motion or response, and order)."""
    return {
        "decision": decision,
        "filer": decision,
        "court": decision.court,
        "case_label": decision.case.number,
        **signing_context(decision.agency, signer, decision, draft=draft),
        **basis_words(decision.basis),
    }


def omnibus_context(
    filer: Decision, court: Court, summary: OmnibusSummary, signer: Signer | None
) -> dict[str, Any]:
    """Return the context of the omnibus filing of a court batch and one basis, signed by `signer`.

    `filer` is a decision of the batch: it gives the office (agency) that files.
    """
    if len(summary.bases) != 1:
        named = " and ".join(basis.value for basis in summary.bases) or "none"
        raise RenderError(f"an omnibus filing holds the cases of one statutory basis, not {named}")
    return {
        "filer": filer,
        "court": court,
        "summary": summary,
        "case_label": f"{summary.cases} cases listed in Exhibit A",
        **signing_context(filer.agency, signer, filer, draft=False),
        **basis_words(summary.bases[0]),
    }


@dataclass(frozen=True)
class ExhibitPart:
    """Where one part of Exhibit A sits in the exhibit: Part `number` of `of`, from case `first_case`."""

    number: int
    of: int
    first_case: int
    cases: int
    cases_total: int

    @property
    def last_case(self) -> int:
        return self.first_case + self.cases - 1

    @classmethod
    def whole(cls, cases: int) -> ExhibitPart:
        """Return the one part of an exhibit of `cases` cases."""
        return cls(number=1, of=1, first_case=1, cases=cases, cases_total=cases)


def exhibit_context(
    part: ExhibitPart,
    decisions: Sequence[Decision],
    summary: OmnibusSummary,
    *,
    final: bool,
    variant: ExhibitVariant = ExhibitVariant.FULL,
    public_filed: bool = False,
) -> dict[str, Any]:
    """Return the context of one part of Exhibit A; the basis comes from the filing's `summary`.

    An exhibit is signed by no one; it is a draft (marked on every page) unless `final`.
    `variant` is the version of the exhibit; `public_filed` says whether a public version is filed
    with a confidential one (its first page says so).
    """
    if part.cases != len(decisions):
        raise RenderError(f"part {part.number} of Exhibit A says {part.cases} cases but has {len(decisions)}")
    context = omnibus_context(decisions[0], decisions[0].court, summary, None)
    context.update(
        decisions=decisions,
        part=part,
        draft=not final,
        variant=variant.value,
        public_filed=public_filed,
    )
    return context


def summarize(decisions: Sequence[Decision], parts: int) -> OmnibusSummary:
    """Count the cases, counts and reliefs of a court batch for its omnibus filing."""
    by_relief: dict[Relief, int] = {}
    for decision in decisions:
        for count in decision.counts:
            by_relief[count.relief] = by_relief.get(count.relief, 0) + 1
    return OmnibusSummary(
        cases=len(decisions),
        counts=sum(by_relief.values()),
        parts=parts,
        by_relief=tuple((relief.value, number) for relief, number in by_relief.items()),
        bases=tuple(sorted({decision.basis for decision in decisions})),
    )
