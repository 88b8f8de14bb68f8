# Schemathesis hooks of `npm run fuzz`: one check beyond schemathesis' own. Errors never echo the caller's values
# (issue 9 section 6): a refusal (4xx/5xx) must not contain any string the request sent in its path, query,
# headers or body (6 characters or more; the credential aside).
import schemathesis

MIN_ECHO = 6
SKIPPED_HEADERS = {"authorization", "content-type", "accept", "user-agent"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


@schemathesis.check
def no_echo_in_errors(ctx, response, case):
    if response.status_code < 400:
        return None
    sent = list(_strings(case.path_parameters or {})) + list(_strings(case.query or {})) + list(_strings(case.body))
    sent += [value for name, value in (case.headers or {}).items() if name.lower() not in SKIPPED_HEADERS]
    text = response.text or ""
    echoed = sorted({value for value in sent if len(value) >= MIN_ECHO and value.strip() and value in text})
    if echoed:
        raise AssertionError(f"the {response.status_code} answer repeats {len(echoed)} value(s) of the request")
    return None
