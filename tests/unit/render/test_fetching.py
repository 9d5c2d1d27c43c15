"""The PDF renderer reads nothing but the project's fonts and templates, wherever a document points.

tests/unit/render/test_pdf.py covers <img>, <link rel=stylesheet>, @import and background images; these are
the other places HTML and CSS can name a resource, each with an http: and a file: URL. Whether
WeasyPrint refuses a document or ignores the reference, no request leaves and no file is read.
"""

from __future__ import annotations

import contextlib
import http.server
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from service.errors import ForbiddenResourceError
from service.render import Renderer
from service.settings import Settings

PLACES = {
    "object": '<object data="{url}"></object>',
    "embed": '<embed src="{url}">',
    "iframe": '<iframe src="{url}"></iframe>',
    "img srcset": '<img srcset="{url} 2x">',
    "input image": '<input type="image" src="{url}">',
    "video poster": '<video poster="{url}"></video>',
    "svg image href": '<svg width="10" height="10"><image href="{url}" width="10" height="10"/></svg>',
    "svg xlink:href": (
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        '<image xlink:href="{url}" width="10" height="10"/></svg>'
    ),
    "link attachment": '<link rel="attachment" href="{url}">',
    "a attachment": '<a rel="attachment" href="{url}">x</a>',
    "a href": '<a href="{url}">x</a>',
    "base href": '<base href="{url}/"><img src="y.png">',
    "meta refresh": '<meta http-equiv="refresh" content="0; url={url}">',
    "@font-face src": "<style>@font-face {{ font-family: X; src: url('{url}') }} p {{ font: 9pt X }}</style>",
    "list-style-image": '<ul style="list-style-image: url({url})"><li>x</li></ul>',
    "content url()": "<style>p::before {{ content: url({url}) }}</style>",
    "border-image": '<div style="border: 5px solid; border-image-source: url({url})">x</div>',
    "mask": '<div style="mask: url({url})">x</div>',
    "cursor": '<div style="cursor: url({url}), auto">x</div>',
    "image-set": '<div style="background-image: image-set(url({url}) 1x)">x</div>',
}


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers anything, and remembers that it was asked."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server; yields its URL and the paths it was asked for."""
    with socketserver.TCPServer(("127.0.0.1", 0), _Recorder) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}/x", _Recorder.requests
        server.shutdown()


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings.from_env())


@pytest.fixture
def served(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every URL the renderer's fetcher actually serves (the ones it does not refuse)."""
    urls: list[str] = []
    fetch = renderer.pdf.fetcher.fetch

    def recording(url: str, headers: object = None) -> Any:
        response = fetch(url, headers)
        urls.append(url)
        return response

    monkeypatch.setattr(renderer.pdf.fetcher, "fetch", recording)
    return urls


@pytest.mark.parametrize("scheme", ["http", "file"])
@pytest.mark.parametrize("place", list(PLACES))
def test_no_place_in_a_document_fetches_anything_outside_the_assets(
    renderer: Renderer,
    listener: tuple[str, list[str]],
    served: list[str],
    tmp_path: Path,
    place: str,
    scheme: str,
) -> None:
    http_url, requests = listener
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"TOP-SECRET")
    url = http_url if scheme == "http" else secret.as_uri()
    before = len(requests)
    with contextlib.suppress(ForbiddenResourceError):  # refused outright: the render stops
        renderer.pdf.render(f"<html><body><p>x</p>{PLACES[place].format(url=url)}</body></html>")
    assert len(requests) == before, f"{place} made an HTTP request"
    assets = [
        Path(d).resolve().as_uri() for d in (renderer.settings.fonts_dir, renderer.settings.templates_dir)
    ]
    assert [u for u in served if not any(u.startswith(a + "/") for a in assets)] == []


def test_the_recorder_sees_what_the_fetcher_serves(renderer: Renderer, served: list[str]) -> None:
    font = next(Path(renderer.settings.fonts_dir).glob("*.ttf")).resolve().as_uri()
    renderer.pdf.render(f'<html><body><p>x</p><img src="{font}"></body></html>')
    assert served == [font]
