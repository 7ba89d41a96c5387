"""Validate the requests an adapter sends against an OpenAPI spec, with openapi-core."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


class HttpxRequest:
    """An :class:`httpx.Request` seen through openapi-core's ``Request`` protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._url = urlsplit(str(request.url))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(self._url.query, keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._url.scheme}://{self._url.netloc}"

    @property
    def path(self) -> str:
        return self._url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        content = self._request.content
        return content or None

    @property
    def content_type(self) -> str:
        value: str = self._request.headers.get("content-type", "")
        return value.lower()


@functools.cache
def load_spec(path: Path) -> OpenAPI:
    """Load a spec once per test session (they are large).

    The document itself is not re-validated: the Plex spec puts keys beside ``$ref``, which
    strict OpenAPI 3.1 checking refuses, while request validation against it works.
    """
    return OpenAPI.from_file_path(str(path), config=Config(spec_validator_cls=None))


def validate(spec: OpenAPI, request: httpx.Request) -> None:
    """Raise openapi-core's error when ``request`` does not fit ``spec``."""
    spec.validate_request(HttpxRequest(request))


def undeclared_query_params(spec: OpenAPI, request: httpx.Request) -> set[str]:
    """Query parameter names in ``request`` that its operation does not declare.

    A declared object parameter exploded into the query (``style: form``, Plex's
    ``mediaQuery``) declares each of its properties.
    """
    from openapi_core.templating.paths.finders import APICallPathFinder

    url = str(request.url.copy_with(query=None))
    found = APICallPathFinder(spec.spec).find(request.method.lower(), url)
    declared: set[str] = set()
    for owner in (found.path, found.operation):
        if "parameters" not in owner:
            continue
        for param in owner / "parameters":
            if param["in"] != "query":
                continue
            declared.add(str(param["name"]))
            schema = param / "schema" if "schema" in param else None
            if schema is not None and "properties" in schema:
                declared.update(str(name) for name in (schema / "properties").keys())
    return {name for name, _ in request.url.params.multi_items()} - declared


class HttpxResponse:
    """An :class:`httpx.Response` seen through openapi-core's ``Response`` protocol."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def data(self) -> bytes:
        return self._response.content

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        value: str = self._response.headers.get("content-type", "")
        return value.split(";")[0].lower()

    @property
    def headers(self) -> Headers:
        return Headers(dict(self._response.headers))


def validate_response(spec: OpenAPI, request: httpx.Request, response: httpx.Response) -> None:
    """Raise openapi-core's error when ``response`` does not fit ``spec`` for ``request``."""
    spec.validate_response(HttpxRequest(request), HttpxResponse(response))
