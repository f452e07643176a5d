"""Fuzzing with credentials (issue 18, item 5): schemathesis over /api/schema/ with a valid key of each scope.

On the demo data (`seed_demo`), every operation of the API is called with cases that hypothesis generates
from the schema, once with a key of each scope, and each answer is checked:
- no 5xx;
- the answer conforms to the schema: its status code is one the operation documents, its content type and
  its body are what the schema says;
- no data the key's organisation may not see. Every person the answer names (an `insured_number`) must be
  one that the access policy lets this key read: the request's access-log rows must hold an allowed read of
  that person by this key, and the policy asked again now (`decide` for the key's actor, in the logged
  category) must still allow it. A person named without such a row is a read the door did not see.

Random numbers rarely name a person who exists, so every operation whose path names a person is also called
for every person of the demo with each key: the reads the policy allows are answered (and logged), the rest
refused, and the leak check sees real answers (the test requires some).

Bounded in time: a fixed seed (derandomized), KAIGO_FUZZ_EXAMPLES cases per operation and scope (default
12), and a budget of KAIGO_FUZZ_SECONDS (default 240) that the run stops at, saying so.
"""

from __future__ import annotations

import io
import os
import time
import uuid

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("KAIGO_FUZZ_EXAMPLES", "12"))
BUDGET_SECONDS = float(os.environ.get("KAIGO_FUZZ_SECONDS", "240"))

# The organisation of the demo that holds the key of each scope.
HOLDERS = {
    "imports": "131011",  # 千代田区
    "claims": "13",  # 東京都国民健康保険団体連合会 (by prefecture)
    "read": "1370100016",  # ケアプランセンター神田
    "device": "1370100016",
    "opinions": "1310112345",  # 千代田内科クリニック
    "careplans": "1370100016",
}


# Answers that name no one's data: the opinion's JSON Schema, whose examples carry a made-up number.
NOT_PERSON_DATA = {"/api/v1/opinions/schema/"}


def _named_persons(body) -> set[str]:
    """Every insured_number an answer names, anywhere in its JSON."""
    found: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            number = node.get("insured_number")
            if isinstance(number, str) and number:
                found.add(number)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


checked = 0  # answers the leak check looked into (persons named)


def _leaks(key, response, request_id: str) -> list[str]:
    """Persons named in a 2xx answer that the policy did not let this key read in this request."""
    from eligibility.models import InsuredPerson
    from kaigo_portal.access import Actor, _rules
    from kaigo_portal.audit.models import AccessLogEntry, Outcome

    content_type = response.headers.get("content-type", [""])  # schemathesis: lowercase keys, list values
    path = response.request.path_url.split("?")[0]
    if not 200 <= response.status_code < 300 or "json" not in content_type[0] or path in NOT_PERSON_DATA:
        return []
    named = _named_persons(response.json())
    if not named:
        return []
    global checked
    checked += 1
    rows = AccessLogEntry.objects.filter(
        request_id=request_id, api_key_prefix=key.prefix, outcome=Outcome.GRANTED, insured_number__in=named
    )
    logged = {(row.insurer_number, row.insured_number): row.category for row in rows}
    problems = [
        f"{number}: named without an allowed read in the access log"
        for number in named - {number for _insurer, number in logged}
    ]
    actor = Actor(None, key.organisation, key.acting_role, key, "api", request_id)
    for (insurer, number), category in logged.items():
        person = InsuredPerson.objects.get(insurer__insurer_number=insurer, insured_number=number)
        if not _rules().decide(actor, person, category).granted:
            problems.append(f"{number}: logged as allowed ({category}) but the policy refuses it")
    return problems


def test_every_operation_with_a_key_of_each_scope(settings):
    import hypothesis
    import schemathesis
    from django.core.management import call_command
    from hypothesis import HealthCheck
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from kaigo_portal.accounts.models import ApiScope
    from kaigo_portal.accounts.services import api_key_create, organisation_by_number
    from kaigo_portal.wsgi import application

    settings.DEBUG = True  # seed_demo refuses to run otherwise (it loads known passwords)
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False  # answers as production gives them
    keys = {}
    for scope in ApiScope.values:
        key, raw = api_key_create(
            organisation=organisation_by_number(HOLDERS[scope]), scope=scope, name=f"fuzz-{scope}", by=None
        )
        keys[scope] = (key, raw)

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the whole API, not an empty schema
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    deadline = time.monotonic() + BUDGET_SECONDS
    calls = 0

    def fuzzer(operation, key, raw):
        @hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def fuzz(case):
            nonlocal calls
            request_id = uuid.uuid4().hex
            headers = {"Authorization": f"Api-Key {raw}", "X-Request-ID": request_id}
            response = case.call(headers=headers)
            calls += 1
            case.validate_response(response, checks=checks, headers=headers)
            leaks = _leaks(key, response, request_id)
            assert not leaks, leaks

        return fuzz

    for operation in operations:
        for scope, (key, raw) in keys.items():
            if time.monotonic() > deadline:
                break
            try:
                fuzzer(operation, key, raw)()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # every failure is reported, not only the first
                failures.append(f"{operation.method.upper()} {operation.path} [{scope}]: {error}"[:3000])

    from eligibility.models import InsuredPerson

    persons = list(InsuredPerson.objects.select_related("insurer").order_by("pk"))
    named = [op for op in operations if "{insurer_no}" in op.path and "{insured_no}" in op.path]
    assert named and persons
    answered = 0
    for operation in named:
        for scope, (key, raw) in keys.items():
            for person in persons:
                numbers = {"insurer_no": person.insurer.insurer_number, "insured_no": person.insured_number}
                case = operation.Case(path_parameters=numbers)
                request_id = uuid.uuid4().hex
                headers = {"Authorization": f"Api-Key {raw}", "X-Request-ID": request_id}
                response = case.call(headers=headers)
                calls += 1
                answered += response.status_code == 200
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                    leaks = _leaks(key, response, request_id)
                    assert not leaks, leaks
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as error:
                    failures.append(
                        f"{operation.method.upper()} {operation.path} [{scope}] {numbers}: {error}"[:3000]
                    )
    assert answered > 0 and checked > 0  # the policy let some reads through, and the leak check saw them

    print(
        f"fuzz: {answered} person reads answered; {calls} calls over {len(operations)} operations x {len(keys)} scopes"
    )
    assert time.monotonic() <= deadline, f"the budget of {BUDGET_SECONDS:.0f} s ran out after {calls} calls"
    assert not failures, "\n\n".join(failures)


def test_the_leak_check_finds_a_person_named_without_an_allowed_read(orgs):
    """The check itself can fail: an answer naming a person with no allowed read logged for the request."""
    from kaigo_portal.accounts.models import ApiScope
    from kaigo_portal.accounts.services import api_key_create

    key, _raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.READ, name="x", by=None)

    class Answer:
        status_code = 200
        request = type("Request", (), {"path_url": "/api/v1/persons/131011/0000000001/eligibility/"})
        headers = {"content-type": ["application/json"]}

        @staticmethod
        def json():
            return {"results": [{"insurer_number": "131011", "insured_number": "0000000001"}]}

    assert _leaks(key, Answer, "no-such-request") == [
        "0000000001: named without an allowed read in the access log"
    ]
