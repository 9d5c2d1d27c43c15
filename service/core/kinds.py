"""The kinds of document courtdocs makes and the formats it writes them in."""

from __future__ import annotations

from enum import StrEnum


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
