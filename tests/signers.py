"""The attorney who signs the court filings of tests that read a filing's text or layout.

A court filing rendered without a signer is a draft (marked DRAFT on every page); tests of what a
filed document says render it signed, and the tests of drafts say so.
"""

from __future__ import annotations

from datetime import date

from service.core.filing import Signer

# Not the decisions' approving attorney (Dana R. Whitfield): the filing's signer is someone else.
SIGNER = Signer(
    name="Morgan A. Reyes",
    title="Head Deputy District Attorney",
    bar_number="1234567",
    email="mreyes@da.example.org",
    approved_on=date(2024, 3, 5),
)
SIGNED_ON = "March 5, 2024"  # SIGNER.approved_on in the documents' long form
