"""The OpenAPI document says what the server enforces: no looser (tools send what it allows), no stricter."""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec
import pytest
from litestar import Response

from parley.app import create_app
from parley.domain import shapes
from parley.http.errors import Problem
from parley.http.openapi import load_examples
from parley.settings import Settings
from tests.http.helpers import Client


@pytest.fixture
async def document(client: Client) -> dict[str, Any]:
    found: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]


def component(document: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]
    return found


async def test_every_error_answer_is_documented_as_problem_details(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)


async def test_every_request_body_is_a_closed_object(document: dict[str, Any]) -> None:
    bodies = [op["requestBody"] for _m, _p, op in operations(document) if "requestBody" in op]
    assert len(bodies) >= 9
    for body in bodies:
        schema = component(document, body["content"]["application/json"]["schema"])
        assert schema["additionalProperties"] is False, schema["title"]


async def test_limits_on_list_items_and_instants_are_in_the_document(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["ArticleIn"]["properties"]["tags"]["items"]["pattern"].startswith("^[a-z0-9]")
    assert schemas["BulkIn"]["properties"]["ids"]["items"]["pattern"].startswith("^[1-9]")
    assert schemas["PolicyDocument"]["properties"]["hold_words"]["items"] == {
        "type": "string",
        "maxLength": 100,
        "minLength": 1,
        "pattern": shapes.LINE,
    }
    assert {"type": "string", "format": "date-time"} in schemas["ArticleIn"]["properties"]["published_at"]["anyOf"]


async def test_a_ban_documents_that_it_needs_a_comment_or_else_an_email_or_an_address(
    document: dict[str, Any],
) -> None:
    by_comment, by_identity = document["components"]["schemas"]["BanIn"]["oneOf"]
    assert by_comment["required"] == ["comment_id"]
    assert [branch["required"] for branch in by_comment["not"]["anyOf"]] == [["email"], ["address"]]
    assert [branch["required"] for branch in by_identity["anyOf"]] == [["email"], ["address"]]
    assert by_identity["not"]["required"] == ["comment_id"]


async def test_metrics_are_documented_as_text(document: dict[str, Any]) -> None:
    assert list(document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]


def handlers() -> dict[str, Any]:
    """Each operation's handler, by "METHOD /path" as the document writes paths."""
    app = create_app(Settings(database=":memory:"))
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            for method in handler.http_methods:
                found[f"{method} {path}"] = handler
    return found


async def test_every_json_body_and_success_answer_has_an_example(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(document):
        if path.startswith("/schema"):
            continue
        request = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if request is not None and "example" not in request:
            missing.append(f"{method} {path} request")
        for status, answer in operation["responses"].items():
            content = answer.get("content", {}).get("application/json")
            if status.startswith("2") and content is not None and "example" not in content:
                missing.append(f"{method} {path} {status}")
    assert missing == []


def test_every_example_decodes_into_its_operations_own_types() -> None:
    """Recorded from the real app by scripts/openapi_examples.py: a wire type changed since must be re-recorded."""
    found = handlers()
    for key, example in load_examples().items():
        handler = found[key]
        hints = typing.get_type_hints(handler.fn, include_extras=True)
        if "request" in example:
            msgspec.convert(example["request"], _unwrapped(hints["data"]), strict=True)
        if "response" in example:
            answered = _unwrapped(hints["return"])
            msgspec.convert(example["response"], typing.get_args(answered)[0] if _is_response(answered) else answered)


def _unwrapped(kind: Any) -> Any:
    while typing.get_origin(kind) is typing.Annotated:
        kind = typing.get_args(kind)[0]
    return kind


def _is_response(kind: Any) -> bool:
    return typing.get_origin(kind) is Response


async def test_problem_details_have_an_example(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert problem["examples"][0]["code"] == "invalid_input"
    msgspec.convert(problem["examples"][0], Problem)
