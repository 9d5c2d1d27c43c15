"""Rendering: decisions to motion, order and letter documents as HTML, PDF and DOCX (pure core)."""

from service.render.documents import DocumentHtml, DocumentKind, OutputFormat, RenderedDocument
from service.render.renderer import Renderer

__all__ = ["DocumentHtml", "DocumentKind", "OutputFormat", "RenderedDocument", "Renderer"]
