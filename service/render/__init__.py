"""Rendering: decisions to motion, order and letter documents as HTML, PDF and DOCX (pure core)."""

from service.core.kinds import DocumentKind, OutputFormat
from service.render.documents import DocumentHtml, RenderedDocument
from service.render.renderer import Renderer

__all__ = ["DocumentHtml", "DocumentKind", "OutputFormat", "RenderedDocument", "Renderer"]
