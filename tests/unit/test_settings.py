"""The e-filing limits (new names, old names, defaults) and which courts seal their Exhibit A."""

from __future__ import annotations

import pytest

from service.core.kinds import EXHIBIT_FILINGS, ExhibitVariant, exhibit_variants
from service.errors import SettingsError
from service.settings import Settings


def test_each_filed_document_is_kept_under_25_mb_by_default() -> None:
    settings = Settings.from_env({})
    assert (settings.efiling_max_bytes, settings.efiling_max_pages) == (25_000_000, 2_000)


def test_each_envelope_is_kept_under_35_mb_by_default_and_the_environment_sets_it() -> None:
    assert Settings.from_env({}).efiling_envelope_bytes == 35_000_000
    assert Settings.from_env({"COURTDOCS_EFILING_ENVELOPE_BYTES": "1000"}).efiling_envelope_bytes == 1000


def test_the_old_bundle_names_still_set_the_limits() -> None:
    settings = Settings.from_env({"COURTDOCS_BUNDLE_MAX_BYTES": "1000", "COURTDOCS_BUNDLE_MAX_PAGES": "7"})
    assert (settings.efiling_max_bytes, settings.efiling_max_pages) == (1000, 7)


def test_the_new_names_win_over_the_old() -> None:
    env = {"COURTDOCS_BUNDLE_MAX_BYTES": "1000", "COURTDOCS_EFILING_MAX_BYTES": "2000"}
    env |= {"COURTDOCS_BUNDLE_MAX_PAGES": "7", "COURTDOCS_EFILING_MAX_PAGES": "9"}
    settings = Settings.from_env(env)
    assert (settings.efiling_max_bytes, settings.efiling_max_pages) == (2000, 9)


@pytest.mark.parametrize(
    "name", ["COURTDOCS_EFILING_MAX_BYTES", "COURTDOCS_BUNDLE_MAX_BYTES", "COURTDOCS_EFILING_ENVELOPE_BYTES"]
)
def test_a_limit_that_is_not_a_number_is_refused_by_name(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: "25MB"})


# -- which courts' Exhibit A is confidential -------------------------------------------------

CONFIDENTIAL = "COURTDOCS_CONFIDENTIAL_EXHIBIT_COURTS"
PUBLIC = "COURTDOCS_PUBLIC_EXHIBIT_COURTS"


def variants(env: dict[str, str], court: str) -> tuple[ExhibitVariant, ...]:
    return exhibit_variants(Settings.from_env(env), court)


def test_a_court_that_asks_for_nothing_gets_the_full_exhibit() -> None:
    assert variants({}, "LA-CCB") == (ExhibitVariant.FULL,)
    assert variants({CONFIDENTIAL: "SF", PUBLIC: ""}, "LA-CCB") == (ExhibitVariant.FULL,)


def test_listed_courts_get_a_confidential_exhibit_and_if_listed_again_its_public_version() -> None:
    env = {CONFIDENTIAL: " LA-CCB, SF ,,ALA", PUBLIC: "sf"}  # spaces and blank items are ignored
    assert variants(env, "LA-CCB") == (ExhibitVariant.CONFIDENTIAL,)
    assert variants(env, "SF") == (ExhibitVariant.CONFIDENTIAL, ExhibitVariant.PUBLIC)  # any case
    assert variants(env, "ALA") == (ExhibitVariant.CONFIDENTIAL,)
    assert variants(env, "LA") == (ExhibitVariant.FULL,)
    assert all(variants(env, court) in EXHIBIT_FILINGS for court in ("LA-CCB", "SF", "LA"))


def test_a_star_means_every_court() -> None:
    assert variants({CONFIDENTIAL: "*"}, "ANY") == (ExhibitVariant.CONFIDENTIAL,)
    both = (ExhibitVariant.CONFIDENTIAL, ExhibitVariant.PUBLIC)
    assert variants({CONFIDENTIAL: "*", PUBLIC: "*"}, "ANY") == both
    assert variants({CONFIDENTIAL: "*", PUBLIC: "SF"}, "SF") == both


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({PUBLIC: "SF"}, PUBLIC),
        ({CONFIDENTIAL: "LA", PUBLIC: "LA,SF"}, PUBLIC),
        ({CONFIDENTIAL: "LA", PUBLIC: "*"}, PUBLIC),
        ({CONFIDENTIAL: "LA CCB"}, CONFIDENTIAL),
        ({CONFIDENTIAL: "*", PUBLIC: "LA/CCB"}, PUBLIC),
    ],
)
def test_a_public_version_of_an_exhibit_that_is_not_sealed_or_a_bad_code_is_refused_by_name(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{named} lists "):
        Settings.from_env(env)
