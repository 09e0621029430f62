"""API fuzzing: schemathesis drives the app in-process from its own OpenAPI document, every check, a fixed seed."""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from litestar.testing import AsyncTestClient
from schemathesis.engine import Status, events, from_schema

from parley.app import create_app
from parley.domain import networks, notices, paging, shapes
from parley.domain.access import TokenService
from parley.domain.errors import InvalidInput
from parley.domain.records import Role, utcnow
from parley.http.deps import running
from parley.settings import Settings
from tests.conftest import PEER, at_peer

pytestmark = pytest.mark.slow
# schemathesis' own engine (what `schemathesis run` executes: examples, coverage, fuzzing and stateful phases)
# against the ASGI app in this process. Its pytest loader `from_fixture` needs pytest's private `_nodeid`, which
# pytest 9 no longer has, and an app built per test needs a fixture.

SEED = 20260415
# Every phase the command line runs, every check it has, the same seed each time.
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "workers": 1,
    "checks": {
        "enabled": True,
        # litestar-org/litestar#4169: Litestar 2's automatic OPTIONS handler lists in `Allow` the methods of only
        # one of the handlers on a path that has several (fixed in Litestar 3). This check reads nothing else.
        "allow_header_conformance": {"enabled": False},
        # A body over PARLEY_MAX_BODY_BYTES is refused (413) before its fields are read: a refusal like 422.
        "negative_data_rejection": {
            "expected-statuses": [
                "400",
                "401",
                "403",
                "404",
                "405",
                "406",
                "409",
                "413",
                "415",
                "422",
                "428",
                "429",
                "5xx",
            ]
        },
    },
    "operations": [
        {
            # An author's deleted comment with visible replies stays as a tombstone, and its replies stay readable
            # page by page here (where the thread's `replies_cursor` leads): no use after free, the replies are not
            # the deleted comment. Every other operation keeps the check.
            "include-path": "/api/v1/comments/{comment_id}/replies",
            "include-method": "GET",
            "checks": {"use_after_free": {"enabled": False}},
        }
    ],
    # No example database: a run replays nothing from earlier runs, so CI and a laptop run the same cases.
    "generation": {"max-examples": 50, "mode": "all", "database": "none"},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": True, "max-steps": 10},
    },
}


TARGET = {
    "slug": "fuzz-target",
    "title": "A thread to fuzz",
    "author": {"slug": "fuzzer", "name": "Fuzzer"},
    "body": "Comments here appear at once.",
    "moderation": "post",
}
SEEDED: dict[int, str] = {}
"""The seeded comments' ids and edit tokens, filled by `_prepare`."""
BANNABLE: list[str] = []
"""A comment whose author a ban may name: posted from a network of its own, so banning its author never bans
the fuzzer's own client or the seeded comments' authors."""
LINKS: dict[str, str] = {}
"""The export and unsubscribe links a reader would find in their e-mail, by the path's first word."""
_CURSOR_KINDS = {
    "/api/v1/articles": lambda query: "articles",
    "/api/v1/articles/{slug}/comments": lambda query: str(query.get("sort", "oldest")),
    "/api/v1/admin/queue": lambda query: f"queue:{query.get('state', 'pending')}",
    "/api/v1/admin/audit": lambda query: "audit",
    "/api/v1/admin/bans": lambda query: "bans",
}


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    """Make positive cases valid where validity is more than a schema can say; negative cases stay as they are.

    A cursor is a string the API gave out; an Idempotency-Key names one request body; a ban ends in the future;
    a reader's comment id (with its edit token) is one that exists and a policy leaves it editable, or the success
    paths go untested; reply notices need an e-mail; a webhook secret is 24 to 64 bytes of base64.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.path.startswith("/api/v1/comments/{comment_id}") and SEEDED:
        chosen = sorted(SEEDED)[int(case.path_parameters["comment_id"]) % len(SEEDED)]
        case.path_parameters["comment_id"] = chosen
        if case.headers is not None and "X-Edit-Token" in case.headers:
            case.headers["X-Edit-Token"] = SEEDED[chosen]
    if case.path in ("/api/v1/exports/{token}", "/api/v1/unsubscribe/{token}") and LINKS:
        case.path_parameters["token"] = LINKS[case.path.split("/")[3]]  # a link only an e-mail gives out
    if case.path == "/api/v1/comments/{comment_id}/replies" and isinstance(case.query, dict):
        case.query.pop("cursor", None)  # it would name a reply below this very comment: start from the first
    if isinstance(case.query, dict) and case.query.get("cursor") is not None and case.path in _CURSOR_KINDS:
        case.query["cursor"] = paging.encode(_CURSOR_KINDS[case.path](case.query), 0, 1)
    headers = case.headers if case.headers is not None else {}
    if "Idempotency-Key" in headers:
        named = f"{headers['Idempotency-Key']}|{case.formatted_path}|{case.body!r}".encode()
        headers["Idempotency-Key"] = hashlib.sha256(named).hexdigest()
    if case.path == "/api/v1/admin/bans" and isinstance(case.body, dict):
        _valid_ban(case.body)
    if case.path == "/api/v1/admin/bans" and isinstance(case.query, dict) and "address" in case.query:
        _valid_ban(case.query)  # the filter takes what a ban takes
    email = case.body.get("author_email") if isinstance(case.body, dict) else None
    if isinstance(case.body, dict) and case.body.get("notify_replies") and not shapes.is_mailbox(email or ""):
        case.body["author_email"] = "notices@example.org"
    if case.path == "/api/v1/admin/webhooks" and isinstance(case.body, dict) and "secret" in case.body:
        case.body["secret"] = "whsec_" + base64.b64encode(hashlib.sha256(repr(case.body).encode()).digest()).decode()
    window = case.body.get("edit_window_seconds") if isinstance(case.body, dict) else None
    if case.path == "/api/v1/admin/policy" and isinstance(window, int) and isinstance(case.body, dict):
        # The seeded comments stay editable for the whole run: a window shorter than the run would end them.
        case.body["edit_window_seconds"] = max(window, 3600)


def _valid_ban(body: dict[str, Any]) -> None:
    """A ban ends in the future, names a network no wider than a carrier's, and a comment that exists."""
    if body.get("expires_at"):
        ends = datetime.fromisoformat(body["expires_at"])
        if ends <= datetime.now(UTC):
            body["expires_at"] = (datetime.now(UTC) + timedelta(days=1 + ends.toordinal() % 3650)).isoformat()
    if isinstance(body.get("address"), str):
        try:
            networks.ban_target(body["address"])
        except InvalidInput:
            body["address"] = f"198.51.100.{len(body['address']) % 250 + 1}"
    if isinstance(body.get("comment_id"), str) and BANNABLE:
        body["comment_id"] = BANNABLE[0]


async def _prepare(settings: Settings) -> str:
    """The seed articles, an admin token, and a post-moderated article with a short thread: ids worth guessing."""
    app = create_app(settings)
    async with AsyncTestClient(at_peer(app)) as client:
        _token, secret = await TokenService(running(app).services.store, utcnow).create("fuzzer", Role.ADMIN)
        admin = {"Authorization": f"Bearer {secret}"}
        await client.post("/api/v1/admin/articles", headers=admin, json=TARGET)
        parent = None
        for n in range(12):
            comment = {"author_name": f"Reader {n}", "body": f"Comment {n}"} | ({"parent_id": parent} if parent else {})
            answer = await client.post(f"/api/v1/articles/{TARGET['slug']}/comments", json=comment)
            assert answer.status_code == 201, answer.text
            made = answer.json()
            SEEDED[int(made["comment"]["id"])] = made["edit_token"]
            parent = made["comment"]["id"] if n % 3 == 0 else parent
        services = running(app).services
        wrote = {"author_name": "Writer", "body": "Mine to export.", "author_email": "writer@example.org"}
        assert (await client.post(f"/api/v1/articles/{TARGET['slug']}/comments", json=wrote)).status_code == 201
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        LINKS["exports"] = notices.export_token(services.hasher, "writer@example.org", tomorrow)
        LINKS["unsubscribe"] = services.hasher.sign("unsubscribe", services.hasher.mailbox("writer@example.org"))
        troll = {"author_name": "Troll", "body": "To be banned."}
        answer = await client.post(
            f"/api/v1/articles/{TARGET['slug']}/comments", json=troll, headers={PEER: "192.0.2.250"}
        )
        BANNABLE.append(answer.json()["comment"]["id"])
    return secret


def _failures(event: events.ScenarioFinished) -> list[str]:
    found = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status is Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                interaction = event.recorder.interactions.get(case_id)
                answer = interaction.response if interaction is not None else None
                got = "" if answer is None else f"\n    -> {answer.status_code} {answer.content[:300]!r}"
                found.append(
                    f"{event.recorder.label} [{check.name}] {failure.title}: {failure.message}\n"
                    f"    {check.failure_info.code_sample} (case {case_id}){got}"
                )
    return found


def test_schemathesis_finds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        database=str(tmp_path / "fuzz.db"),
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        # A live stream answers 200 and goes on; here each ends at once, so the fuzzer reads a whole answer.
        stream_lifetime_seconds=0.05,
        # _prepare calls the store from the test's own loop while the app's loop runs: no outbox worker may
        # hold the writer there meanwhile (an asyncio lock is not shared across loops).
        outbox_worker=False,
        # E-mail is on, so exports by e-mail are offered; with no worker, none is sent.
        smtp_host="127.0.0.1",
    )
    token = asyncio.run(_prepare(settings))
    app = create_app(settings)
    config = schemathesis.Config.from_dict({**CONFIG, "headers": {"Authorization": f"Bearer {token}"}})
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)

    statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    cases = 0
    failures: list[str] = []
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, interaction in event.recorder.interactions.items():
                if interaction.response is not None:
                    label = event.recorder.cases[case_id].value.operation.label
                    statuses[label][interaction.response.status_code] += 1
            failures.extend(_failures(event))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
    with capsys.disabled():
        print(f"\nschemathesis (seed {SEED}): {cases} cases, {len(failures)} failures, {len(errors)} errors")
        for label, counter in sorted(statuses.items()):
            print(f"  {label}: {dict(sorted(counter.items()))}")
        for failure in failures:
            print(failure)
    assert not errors, errors
    assert not failures
    documented = {
        f"{method.upper()} {path}" for path, item in app.openapi_schema.to_schema()["paths"].items() for method in item
    }
    unanswered = {label for label in documented if not any(200 <= status < 300 for status in statuses[label])}
    assert not unanswered, f"operations never answered with a 2xx: {sorted(unanswered)}"
