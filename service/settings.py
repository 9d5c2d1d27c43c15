"""One frozen settings object, read from the environment once and passed explicitly."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from service import assets
from service.errors import SettingsError

# Defaults, each with its unit and meaning. The folders are functions: the output folder is
# `./output` of the working folder when the settings are read (never the installed package's
# folder), and the templates and fonts are those shipped inside the package (service/assets).
OUTPUT_FOLDER_NAME = "output"  # runtime files: documents, bundles, SQLite, sockets
DEFAULT_MAX_BATCH_DECISIONS = 200_000  # decisions in one submitted file
DEFAULT_EFILING_MAX_PAGES = 2_000  # pages in one filed PDF: Exhibit A is cut into smaller parts above it
# Bytes in one filed PDF (eFileCA courts take 25 MB per document; MB read as 10^6 bytes, the
# smaller reading): Exhibit A is cut into smaller parts above it.
DEFAULT_EFILING_MAX_BYTES = 25_000_000
# Bytes in one e-filing envelope, all its documents together (eFileCA courts take 35 MB an envelope;
# MB read as 10^6 bytes, the smaller reading, as above): the filing index numbers the envelopes.
DEFAULT_EFILING_ENVELOPE_BYTES = 35_000_000
# Cases in one Exhibit A part: about 3 landscape pages. WeasyPrint holds a whole part while laying
# it out; the table's eleven columns cost more per case than the old five (100 cases: 25 MiB of
# Python allocations, against 16 MiB on pleading lines), so a part holds 60 (15 MiB).
DEFAULT_OMNIBUS_PART_DECISIONS = 60
DEFAULT_JOB_CHUNK = 10  # decisions rendered by one queued job
DEFAULT_JOB_RETRIES = 3  # attempts of a job that failed for a transient reason
DEFAULT_JOB_TIMEOUT = 600  # seconds one job may run before rq kills it
DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024  # bytes of one submitted batch over HTTP (413 above)
DEFAULT_MAX_ORDER_BYTES = 100_000_000  # bytes of a judge's signed order (a scan) recorded with a ruling
DEFAULT_RENDER_LEASE = 90  # seconds a render job holds its documents between renewals
DEFAULT_PUBLISH_LEASE = 600  # seconds a publish job holds its court batch between renewals
DEFAULT_RECONCILE_INTERVAL = 20  # seconds between a worker's sweeps for work no live job holds
# Whom a letter names for help: Los Angeles County's public defender (main line), and where the
# California DOJ explains its record review (fingerprints at a Live Scan site, then a copy of one's
# own record). The help phone of the languages line is the office's own phone when unset.
DEFAULT_PUBLIC_DEFENDER_NAME = "Los Angeles County Public Defender"
DEFAULT_PUBLIC_DEFENDER_PHONE = "(213) 974-2811"
DEFAULT_DOJ_RECORD_URL = "oag.ca.gov/fingerprints/record-review"
ALL_COURTS = "*"  # in a list of court codes: every court
CONFIDENTIAL_EXHIBIT_COURTS = "COURTDOCS_CONFIDENTIAL_EXHIBIT_COURTS"
PUBLIC_EXHIBIT_COURTS = "COURTDOCS_PUBLIC_EXHIBIT_COURTS"
_COURT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # decision/v1 `court.code`


def default_output_dir() -> Path:
    """Return `./output` of the current working folder, as an absolute path."""
    return Path.cwd() / OUTPUT_FOLDER_NAME


@dataclass(frozen=True)
class Settings:
    """Everything configurable about courtdocs; built by from_env() or directly in tests."""

    output_dir: Path = field(default_factory=default_output_dir)
    templates_dir: Path = field(default_factory=assets.templates_dir)
    fonts_dir: Path = field(default_factory=assets.fonts_dir)
    database_url: str | None = None  # None: SQLite in output_dir
    redis_url: str | None = None  # None: embedded Redis on a unix socket in output_dir
    max_batch_decisions: int = DEFAULT_MAX_BATCH_DECISIONS
    efiling_max_pages: int = DEFAULT_EFILING_MAX_PAGES
    efiling_max_bytes: int = DEFAULT_EFILING_MAX_BYTES
    efiling_envelope_bytes: int = DEFAULT_EFILING_ENVELOPE_BYTES
    omnibus_part_decisions: int = DEFAULT_OMNIBUS_PART_DECISIONS
    job_chunk: int = DEFAULT_JOB_CHUNK
    job_retries: int = DEFAULT_JOB_RETRIES
    job_timeout: int = DEFAULT_JOB_TIMEOUT
    render_lease: int = DEFAULT_RENDER_LEASE
    publish_lease: int = DEFAULT_PUBLISH_LEASE
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_order_bytes: int = DEFAULT_MAX_ORDER_BYTES
    secure_cookies: bool = False  # set COURTDOCS_SECURE_COOKIES=1 behind HTTPS
    reconcile_interval: int = DEFAULT_RECONCILE_INTERVAL
    # Courts whose Exhibit A is lodged conditionally under seal, and those of them that also get a
    # public version without CII numbers and dates of birth: court codes, or ALL_COURTS.
    confidential_exhibit_courts: frozenset[str] = frozenset()
    public_exhibit_courts: frozenset[str] = frozenset()
    # The DOJ disposition report's columns (core/doj_mapping.py); the shipped one unless set.
    doj_mapping: Path = field(default_factory=assets.doj_mapping_file)
    # What a letter says about help: the public defender, the phone offering help in other
    # languages (None: the office's phone), and where to ask DOJ for one's own record.
    public_defender_name: str = DEFAULT_PUBLIC_DEFENDER_NAME
    public_defender_phone: str = DEFAULT_PUBLIC_DEFENDER_PHONE
    help_phone: str | None = None
    doj_record_url: str = DEFAULT_DOJ_RECORD_URL

    def __post_init__(self) -> None:
        for name, courts in (
            (CONFIDENTIAL_EXHIBIT_COURTS, self.confidential_exhibit_courts),
            (PUBLIC_EXHIBIT_COURTS, self.public_exhibit_courts),
        ):
            bad = sorted(code for code in courts if code != ALL_COURTS and not _COURT_CODE.fullmatch(code))
            if bad:
                raise SettingsError(f"{name} lists {bad[0]!r}: not a court code or {ALL_COURTS}")
        unsealed = sorted(code for code in self.public_exhibit_courts if not self.exhibit_confidential(code))
        if unsealed:
            raise SettingsError(
                f"{PUBLIC_EXHIBIT_COURTS} lists {unsealed[0]}, which is not in "
                f"{CONFIDENTIAL_EXHIBIT_COURTS}: a public version is only made of a confidential exhibit"
            )

    def exhibit_confidential(self, court_code: str) -> bool:
        """Return whether this court's Exhibit A is lodged conditionally under seal."""
        return _covers(self.confidential_exhibit_courts, court_code)

    def exhibit_public(self, court_code: str) -> bool:
        """Return whether this court also gets a public version of its confidential Exhibit A."""
        return self.exhibit_confidential(court_code) and _covers(self.public_exhibit_courts, court_code)

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.output_dir / 'courtdocs.sqlite3'}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.sqlite_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from COURTDOCS_* variables, DATABASE_URL and REDIS_URL."""
        env = os.environ if environ is None else environ
        return cls(
            output_dir=_path(env, "COURTDOCS_OUTPUT_DIR", default_output_dir),
            templates_dir=_path(env, "COURTDOCS_TEMPLATES_DIR", assets.templates_dir),
            fonts_dir=_path(env, "COURTDOCS_FONTS_DIR", assets.fonts_dir),
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            max_batch_decisions=_int(env, "COURTDOCS_MAX_BATCH_DECISIONS", DEFAULT_MAX_BATCH_DECISIONS),
            # COURTDOCS_BUNDLE_MAX_*: the names these limits had before, still read.
            efiling_max_pages=_int(
                env,
                "COURTDOCS_EFILING_MAX_PAGES",
                _int(env, "COURTDOCS_BUNDLE_MAX_PAGES", DEFAULT_EFILING_MAX_PAGES),
            ),
            efiling_max_bytes=_int(
                env,
                "COURTDOCS_EFILING_MAX_BYTES",
                _int(env, "COURTDOCS_BUNDLE_MAX_BYTES", DEFAULT_EFILING_MAX_BYTES),
            ),
            efiling_envelope_bytes=_int(
                env, "COURTDOCS_EFILING_ENVELOPE_BYTES", DEFAULT_EFILING_ENVELOPE_BYTES
            ),
            omnibus_part_decisions=_int(
                env, "COURTDOCS_OMNIBUS_PART_DECISIONS", DEFAULT_OMNIBUS_PART_DECISIONS
            ),
            job_chunk=_int(env, "COURTDOCS_JOB_CHUNK", DEFAULT_JOB_CHUNK),
            job_retries=_int(env, "COURTDOCS_JOB_RETRIES", DEFAULT_JOB_RETRIES),
            job_timeout=_int(env, "COURTDOCS_JOB_TIMEOUT", DEFAULT_JOB_TIMEOUT),
            render_lease=_int(env, "COURTDOCS_RENDER_LEASE", DEFAULT_RENDER_LEASE),
            publish_lease=_int(env, "COURTDOCS_PUBLISH_LEASE", DEFAULT_PUBLISH_LEASE),
            max_request_bytes=_int(env, "COURTDOCS_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
            max_order_bytes=_int(env, "COURTDOCS_MAX_ORDER_BYTES", DEFAULT_MAX_ORDER_BYTES),
            secure_cookies=env.get("COURTDOCS_SECURE_COOKIES", "") in ("1", "true", "yes"),
            reconcile_interval=_int(env, "COURTDOCS_RECONCILE_INTERVAL", DEFAULT_RECONCILE_INTERVAL),
            confidential_exhibit_courts=_courts(env, CONFIDENTIAL_EXHIBIT_COURTS),
            public_exhibit_courts=_courts(env, PUBLIC_EXHIBIT_COURTS),
            doj_mapping=_path(env, "COURTDOCS_DOJ_MAPPING", assets.doj_mapping_file),
            public_defender_name=env.get("COURTDOCS_PUBLIC_DEFENDER_NAME") or DEFAULT_PUBLIC_DEFENDER_NAME,
            public_defender_phone=env.get("COURTDOCS_PUBLIC_DEFENDER_PHONE") or DEFAULT_PUBLIC_DEFENDER_PHONE,
            help_phone=env.get("COURTDOCS_HELP_PHONE") or None,
            doj_record_url=env.get("COURTDOCS_DOJ_RECORD_URL") or DEFAULT_DOJ_RECORD_URL,
        )


def _path(env: Mapping[str, str], name: str, default: Callable[[], Path]) -> Path:
    """Return the variable's folder, resolved, or the default (only looked up when unset)."""
    value = env.get(name)
    return Path(value).resolve() if value else default()


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise SettingsError(f"{name} must be at least 1, not {number}")
    return number


def _courts(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Return the court codes of a comma-separated list (blank items ignored)."""
    return frozenset(code.strip() for code in env.get(name, "").split(",") if code.strip())


def _covers(courts: frozenset[str], court_code: str) -> bool:
    """Return whether a list of courts names this one; codes match whatever their case."""
    return ALL_COURTS in courts or court_code.casefold() in {code.casefold() for code in courts}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process's settings, read from the environment on first use."""
    return Settings.from_env()
