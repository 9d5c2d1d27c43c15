"""The kinds of document courtdocs makes and the formats it writes them in."""

from __future__ import annotations

from enum import StrEnum

from service.settings import Settings


class DocumentKind(StrEnum):
    MOTION = "motion"
    ORDER = "order"
    LETTER = "letter"
    OMNIBUS_MOTION = "omnibus_motion"  # the People's, HSC 11361.9
    OMNIBUS_RESPONSE = "omnibus_response"  # the People's answer to petitions, HSC 11361.8
    OMNIBUS_ORDER = "omnibus_order"
    EXHIBIT = "exhibit"
    FILING_INDEX = "filing_index"  # a bundle's first file: what to file, in which order and envelope


class OutputFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"


MEDIA_TYPES = {
    OutputFormat.PDF: "application/pdf",
    OutputFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    OutputFormat.HTML: "text/html; charset=utf-8",
}


class ExhibitVariant(StrEnum):
    """Which version of Exhibit A a file is; a court gets one of EXHIBIT_FILINGS."""

    FULL = "full"  # every column, filed publicly: what a court that asks for nothing gets
    CONFIDENTIAL = "confidential"  # every column, lodged conditionally under seal (CRC 2.550-2.551)
    PUBLIC = "public"  # the same rows without CII numbers or dates of birth, filed publicly


# What a court may get as its Exhibit A: the full exhibit filed publicly, the exhibit lodged
# conditionally under seal, or that and a redacted public version (never a public version alone).
EXHIBIT_FILINGS: tuple[tuple[ExhibitVariant, ...], ...] = (
    (ExhibitVariant.FULL,),
    (ExhibitVariant.CONFIDENTIAL,),
    (ExhibitVariant.CONFIDENTIAL, ExhibitVariant.PUBLIC),
)


def exhibit_variants(settings: Settings, court_code: str) -> tuple[ExhibitVariant, ...]:
    """Return the versions of Exhibit A a court gets (COURTDOCS_*_EXHIBIT_COURTS), sealed one first."""
    if not settings.exhibit_confidential(court_code):
        return (ExhibitVariant.FULL,)
    if settings.exhibit_public(court_code):
        return (ExhibitVariant.CONFIDENTIAL, ExhibitVariant.PUBLIC)
    return (ExhibitVariant.CONFIDENTIAL,)
