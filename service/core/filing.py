"""How a court's filing is made: the filing plan of a batch, and the attorney who signs it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from service.core.models import BarNumber, Name, Text, _Strict

Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class FilingMode(StrEnum):
    """What a batch files per court and basis: one omnibus motion and order, or one per case."""

    OMNIBUS = "omnibus"  # one motion (or response), one proposed order, Exhibit A in volumes
    PER_CASE = "per-case"  # a motion (or response) and an order for every case


class Signer(_Strict):
    """The attorney who approved a court's filing and signs it, dated the day of approval.

    A filing rendered without a signer is a draft: every page says so, and nothing is signed.
    """

    name: Name
    title: Text
    bar_number: BarNumber
    email: Email | None = None
    approved_on: date
