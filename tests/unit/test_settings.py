"""The e-filing limits: their new names, the old names still read, and their defaults."""

from __future__ import annotations

import pytest

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
