"""The billing API's OpenAPI 3.1 document (handlers/openapi.json): valid, served as kept, and true of
the real server: schemathesis runs every operation against it over HTTP, signed with a configured
key, and finds no 5xx and no answer the document does not describe."""

from __future__ import annotations

import json
from typing import Any, cast

import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.definitions import OPENAPI_31

from bot.clock import Clock
from handlers.api import openapi_document
from tests.billing_api import OLD_SECRET, BillingSystem
from tests.conftest import RunningBot

pytestmark = pytest.mark.settings(COLLECT_API_SECRET=OLD_SECRET)

DOCUMENT: dict[str, Any] = json.loads(openapi_document())


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")
    jsonschema.Draft202012Validator(OPENAPI_31).validate(DOCUMENT)
    # The metaschema leaves the schemas themselves to JSON Schema (2020-12, OpenAPI 3.1's dialect).
    for name, schema in DOCUMENT["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema), name


def test_every_operation_the_server_has_is_in_the_document() -> None:
    operations = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert operations == {
        ("/api/v1/payments", "post"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/accounts/{account_id}", "get"),
        ("/api/openapi.json", "get"),
    }


def test_the_served_document_is_the_kept_one(team: RunningBot) -> None:
    served = BillingSystem(team.url, team.clock).send("GET", "/api/openapi.json", b"", signed=False)
    assert served.status == 200 and served.headers["content-type"] == "application/json"
    assert served.raw == openapi_document() and served.json() == DOCUMENT


class Signed(requests.auth.AuthBase):
    """Signs the bytes requests is about to send, as a billing system must."""

    def __init__(self, clock: Clock) -> None:
        self.billing = BillingSystem("", clock)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body
        raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else b""
        request.headers.update(self.billing.signed_headers(raw))
        return request


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
OPERATIONS: list[Any] = [
    result.ok() for result in cast(Any, schemathesis.openapi.from_dict(DOCUMENT)).get_all_operations()
]
RUNS = [
    pytest.param(operation, mode, id=f"{operation.label} {mode}")
    for operation in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # The document's own path takes nothing that could be sent wrong.
    if mode == GenerationMode.POSITIVE or operation.path != "/api/openapi.json"
]


@pytest.mark.parametrize(("operation", "mode"), RUNS)
def test_every_operation_answers_as_the_document_says(
    team: RunningBot, operation: Any, mode: GenerationMode
) -> None:
    """Valid data and data the document forbids (schemathesis' negative mode: wrong types, missing
    fields, extra ones), each request signed right: never a 5xx, always an answer the document
    describes. (Hypothesis drives the operation's strategy directly: schemathesis' pytest plugin
    reaches into pytest internals that pytest 9 renamed.)"""
    auth = Signed(team.clock)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def answered_as_documented(case: Any) -> None:
        response = case.call(base_url=team.url, auth=auth, timeout=30)
        case.validate_response(response, checks=CHECKS)

    answered_as_documented()
