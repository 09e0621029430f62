"""Every operation's refusals name what the client sent, in words, with a code: walked from the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from parley.services import Services
from tests.http.helpers import Client, make_article, post

SKIPPED = {"/schema", "/schema/swagger", "/schema/openapi.json", "/schema/swagger-init.js", "/schema/{path}"}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its `$ref` followed and a nullable `anyOf` reduced to the non-null member."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema or "oneOf" in schema:
            kept = [each for each in schema.get("anyOf", schema.get("oneOf")) if each.get("type") != "null"]
            schema = kept[0]
        else:
            return schema


def wrong(schema: dict[str, Any]) -> Any:
    """A JSON value the schema refuses."""
    kind = schema.get("type")
    if kind == "string":
        return 12345
    if kind in ("integer", "number", "boolean", "array"):
        return "not-this-kind"
    return ["not", "an", "object"]


def wrong_text(schema: dict[str, Any]) -> str | list[str]:
    """A query or header value (always text) the parameter's schema refuses."""
    if schema.get("type") == "array":
        return ["a"] * (schema["maxItems"] + 1)
    if "maxLength" in schema:
        return "x" * (schema["maxLength"] + 1)
    if "enum" in schema:
        return "no-such-value"
    return "not-a-number" if schema.get("type") == "integer" else ""


def field_names(document: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Every field of a body schema, nested ones by their dotted path."""
    names = set()
    for name, property_ in resolve(document, schema).get("properties", {}).items():
        names.add(prefix + name)
        inner = resolve(document, property_)
        if inner.get("type") == "object":
            names |= field_names(document, inner, f"{prefix}{name}.")
    return names


@pytest.fixture
async def operations(client: Client, services: Services) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, url with real path values, operation, document) for every documented operation."""
    article = await make_article(services, slug="walked")
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    values = {"slug": "walked", "comment_id": comment_id, "ban_id": "1", "webhook_id": "1", "delivery_id": "1"}
    values["token"] = "0" * 64 + ".0." + "0" * 32
    document = (await client.get("/schema/openapi.json")).json()
    found = []
    for path, item in document["paths"].items():
        if path in SKIPPED:
            continue
        url = path.format(**values)
        for method, operation in item.items():
            found.append((method, url, operation, document))
    return found


async def test_every_refused_parameter_is_named_as_the_client_sends_it(
    client: Client, admin: dict[str, str], operations: list[tuple[str, str, dict[str, Any], dict[str, Any]]]
) -> None:
    checked = 0
    for method, url, operation, _document in operations:
        for parameter in operation.get("parameters", []):
            if parameter["in"] not in ("query", "header") or parameter["name"] == "Authorization":
                continue
            bad = wrong_text(parameter.get("schema", {}))
            if not bad:
                continue
            query = {parameter["name"]: bad} if parameter["in"] == "query" else {}
            headers = admin | ({parameter["name"]: str(bad)} if parameter["in"] == "header" else {})
            answer = await client.request(method.upper(), url, params=query, headers=headers, json={})
            assert answer.status_code == 422, (method, url, parameter["name"], answer.text)
            problem = answer.json()
            assert problem["code"] == "invalid_input"
            assert parameter["name"] in [item["field"] for item in problem["errors"]], (url, problem)
            named = next(item for item in problem["errors"] if item["field"] == parameter["name"])
            assert named["message"].startswith("must be"), problem
            checked += 1
    assert checked >= 20


async def test_every_refused_body_field_is_named_after_a_field_of_that_body(
    client: Client, admin: dict[str, str], operations: list[tuple[str, str, dict[str, Any], dict[str, Any]]]
) -> None:
    checked = 0
    for method, url, operation, document in operations:
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        schema = resolve(document, content["schema"])
        known = field_names(document, schema) | {"body"}
        for name, property_ in schema["properties"].items():
            answer = await client.request(
                method.upper(), url, json={name: wrong(resolve(document, property_))}, headers=admin
            )
            assert answer.status_code == 422, (method, url, name, answer.text)
            problem = answer.json()
            reported = {item["field"] for item in problem["errors"]}
            assert name in reported, (url, name, problem)
            assert reported <= known | {"body"}, (url, reported - known)
            assert all(item["message"] for item in problem["errors"])
            checked += 1
        unknown = await client.request(method.upper(), url, json={"no_such_field": 1}, headers=admin)
        assert "no_such_field" in {item["field"] for item in unknown.json()["errors"]}
    assert checked >= 40


async def test_refusals_before_any_handler_carry_a_code(client: Client, services: Services) -> None:
    article = await make_article(services)
    answers = {
        401: await client.get("/api/v1/admin/queue"),
        404: await client.get("/api/v1/nowhere"),
        405: await client.put("/api/v1/counts"),
        415: await client.post(
            f"/api/v1/articles/{article.slug}/comments",
            content=b"a=b",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        413: await client.post(
            f"/api/v1/articles/{article.slug}/comments",
            content=b"[" * 70_000,
            headers={"content-type": "application/json"},
        ),
    }
    codes = {status: answer.json().get("code") for status, answer in answers.items()}
    assert {status: answer.status_code for status, answer in answers.items()} == {s: s for s in answers}
    assert codes == {
        401: "unauthorized",
        404: "not_found",
        405: "method_not_allowed",
        415: "unsupported_media_type",
        413: "body_too_large",
    }
