"""The templates and fonts shipped with courtdocs, found through importlib.resources.

The repository keeps `templates/` and `fonts/` as top-level folders (they are reviewed like
code and have their own READMEs), and this package holds two committed relative symlinks to
them: `service/assets/templates -> ../../templates` and `service/assets/fonts -> ../../fonts`.
One path then serves every way courtdocs runs:

- from a checkout (`python -m service`, the tests): the symlinks resolve to the top-level folders;
- installed with `pip install -e .`: the editable finder imports `service` from the checkout, so
  the same symlinks resolve;
- installed from a wheel: setuptools follows the symlinks when it collects the package data
  (`[tool.setuptools.package-data]` in pyproject.toml), so the wheel holds real files under
  `service/assets/templates/` and `service/assets/fonts/` (`.ci/wheel-test` checks it).

Mapping the folders with `package-dir` instead would leave nothing under `service/assets/` in a
checkout, and the code would need a second way to find them there; the symlinks keep one.

Jinja2's FileSystemLoader and WeasyPrint need real paths. pip always unpacks a wheel into a real
folder, so `importlib.resources.files()` returns a `pathlib.Path` here; `as_file()` could only
extract a single file on Python 3.11, not a folder, so an install that is not a real folder (a
zip import) is refused with a clear error instead.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from service.errors import AssetsError

TEMPLATES = "templates"  # Jinja2 templates and the print stylesheet (documents), web/ (pages)
FONTS = "fonts"  # the only fonts a render may use, with their licence texts
DOJ_MAPPING = "doj/mapping.toml"  # under templates/: the DOJ report's default columns (docs/doj-report.md)


def templates_dir() -> Path:
    """Return the shipped templates folder."""
    return _folder(files(__name__) / TEMPLATES)


def fonts_dir() -> Path:
    """Return the shipped fonts folder."""
    return _folder(files(__name__) / FONTS)


def doj_mapping_file() -> Path:
    """Return the shipped DOJ report mapping (the default of COURTDOCS_DOJ_MAPPING)."""
    return templates_dir() / DOJ_MAPPING


def _folder(resource: Traversable) -> Path:
    if not isinstance(resource, Path):
        raise AssetsError(
            f"courtdocs is installed where {resource.name}/ is not a folder on disk ({resource!r}); "
            "install it with pip (a wheel unpacks to a real folder)"
        )
    if not resource.is_dir():
        raise AssetsError(f"the shipped {resource.name}/ folder is missing at {resource}")
    return resource.resolve()
