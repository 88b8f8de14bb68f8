# Schemathesis hooks of `npm run fuzz`: one check beyond schemathesis' own. Errors never echo the caller's values
# (issue 9 section 6): a refusal (4xx/5xx) must not contain any string of 6 characters or more the request sent in
# its path, query, headers (the credential aside) or body. Names and values the service's own OpenAPI document
# contains (parameter and property names, enum values) are the service's words, not the caller's: an answer may
# name the element it refuses. `python -m scripts.fuzz_hooks` proves the check finds a planted echo (fuzz.sh runs it).
import json
from types import SimpleNamespace

import schemathesis

MIN_ECHO = 6
SKIPPED_HEADERS = {"authorization", "content-type", "accept", "user-agent", "cookie"}
_documents: dict[int, str] = {}

# Attachment chunks (tus: PATCH /v1/attachments/{fileId}) are raw bytes like any octet stream; $import takes NDJSON text.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
schemathesis.serializer.alias("application/fhir+ndjson", "text/plain")


def _strings(value):
    """Every string of a JSON-like value, its object keys included (an invented key is the caller's too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _documented(raw_schema) -> str:
    key = id(raw_schema)
    if key not in _documents:
        _documents[key] = json.dumps(raw_schema)
    return _documents[key]


def echoed_values(case, text: str) -> list[str]:
    """The caller's strings that `text` repeats."""
    sent = list(_strings(case.path_parameters or {})) + list(_strings(case.query or {}))
    sent += list(_strings(case.body if isinstance(case.body, (str, dict, list)) else None))
    sent += [value for name, value in (case.headers or {}).items() if name.lower() not in SKIPPED_HEADERS and isinstance(value, str)]
    document = _documented(case.operation.schema.raw_schema)
    return sorted(
        {
            value
            for value in sent
            if len(value.strip()) >= MIN_ECHO and value in text and json.dumps(value) not in document
        }
    )


@schemathesis.check
def no_echo_in_errors(ctx, response, case):
    if response.status_code < 400:
        return None
    echoed = echoed_values(case, response.text or "")
    if echoed:
        shown = ", ".join(repr(value[:40]) for value in echoed[:3])
        raise AssertionError(f"the {response.status_code} answer repeats {len(echoed)} value(s) of the request: {shown}")
    return None


def _self_test() -> None:
    document = {"paths": {"/v1/alerts": {"get": {"parameters": [{"name": "since"}, {"name": "kind", "schema": {"enum": ["break-glass"]}}]}}}}
    operation = SimpleNamespace(schema=SimpleNamespace(raw_schema=document))

    def case(**parts):
        return SimpleNamespace(**{"operation": operation, "path_parameters": {}, "query": {}, "headers": {}, "body": None, **parts})

    planted = case(query={"since": "zq-planted-value"}, body={"patient": {"family": "Plantedname"}})
    assert echoed_values(planted, '{"detail":"since zq-planted-value is not a date"}') == ["zq-planted-value"], "a query value"
    assert echoed_values(planted, '{"detail":"Plantedname"}') == ["Plantedname"], "a body value"
    assert echoed_values(case(body={"x-invented-key": 1}), '{"expression":["x-invented-key"]}') == ["x-invented-key"], "an invented key"
    assert echoed_values(case(headers={"x-request-id": "zq-header-value"}), "zq-header-value") == ["zq-header-value"], "a header"
    documented = case(query={"since": "AAA", "kind": "break-glass"})
    assert echoed_values(documented, '{"detail":"since must be a date; kind break-glass"}') == [], "documented names and values"
    assert echoed_values(case(headers={"Authorization": "Bearer secret-token"}), "Bearer secret-token") == [], "the credential"
    print("fuzz_hooks: no_echo_in_errors finds planted echoes and passes documented names")


if __name__ == "__main__":
    _self_test()
