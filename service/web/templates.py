"""The web pages' own Jinja2 environment: templates/web/, apart from the document templates.

Pages never go through the document Renderer: a login page must not build WeasyPrint, and the
pages' files are not part of the template version court manifests record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request

from service.render.filing_index import human_size
from service.render.templating import make_environment

STYLESHEET = "web.css"


class PageTemplates:
    """The compiled page templates and the stylesheet of one folder; built once per application."""

    def __init__(self, folder: Path) -> None:
        self.environment = make_environment(folder)  # the documents' settings, another folder
        self.environment.filters["size"] = human_size  # as the filing index writes sizes: 1.2 MB
        self.stylesheet = (folder / STYLESHEET).read_text(encoding="utf-8")

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render a page; a broken page template is a bug, so its error is not caught here."""
        return self.environment.get_template(name).render(context)


def get_page_templates(request: Request) -> PageTemplates:
    """Return the application's page templates (made by create_app)."""
    templates: PageTemplates = request.app.state.page_templates
    return templates
