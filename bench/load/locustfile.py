"""A city's morning: care managers, clerks, clinics and persons on their pages at once (Locust).

Run by bench/load (`make bench`), which writes the city (bench/load/data.py) and passes the users' session
cookies in the JSON file BENCH_LOAD_FIXTURE. Each simulated user takes the next session of its role. The
number of each kind is fixed (BENCH_LOAD_CARE_MANAGERS, _CLERKS, _CLINICS, _PERSON_USERS: by default 200, 20, 10
and 20) and each waits BENCH_LOAD_WAIT_MIN to _MAX seconds between pages (default 2 to 10), as a person
reading a page does.

Requests are named by page (cm_caseload, clerk_search ...), not by URL, so that each page gets its own p50
and p95; a form's POST is the page's name with `_post`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser

FIXTURE = json.loads(open(os.environ["BENCH_LOAD_FIXTURE"], encoding="utf-8").read())
WAIT = between(
    float(os.environ.get("BENCH_LOAD_WAIT_MIN", "2")), float(os.environ.get("BENCH_LOAD_WAIT_MAX", "10"))
)
INSURER = FIXTURE["insurer"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")

_pools = {role: itertools.cycle(FIXTURE[role]) for role in ("care_managers", "clerks", "doctors", "persons")}
_import_sent = False


def _count(name: str, default: str) -> int:
    return int(os.environ.get(f"BENCH_LOAD_{name}", default))


class _Portal(FastHttpUser):
    abstract = True
    wait_time = WAIT
    role = ""

    def on_start(self) -> None:
        self.me = next(_pools[self.role])
        self.cookie = f"sessionid={self.me['session']}"
        self.rng = random.Random()  # noqa: S311  (which page to open, not a secret)

    def page(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, headers={"Cookie": self.cookie}, catch_response=True, allow_redirects=False
        ) as answer:
            if answer.status_code != 200:  # a redirect (to the sign-in, say) is not the page
                answer.failure(f"{answer.status_code} on {name} to {answer.headers.get('Location')}")

    def form(
        self, url: str, name: str, fields: dict[str, str], *, files: dict | None = None, client=None
    ) -> None:
        """A form posted as a browser does: the page first (the CSRF cookie and token), then the POST.
        `client` is a session of its own for work that runs beside the user's pages (see Clerk.upload)."""
        client = client or self.client
        with client.get(
            url, name=name, headers={"Cookie": self.cookie}, catch_response=True, allow_redirects=False
        ) as answer:
            set_cookie = answer.headers.get("Set-Cookie") or ""  # a list where there are several
            set_cookie = "; ".join(set_cookie) if isinstance(set_cookie, list) else set_cookie
            token, cookie = CSRF_INPUT.search(answer.text or ""), CSRF_COOKIE.search(set_cookie)
            if answer.status_code != 200 or not token:
                answer.failure(f"{answer.status_code} on {name} (no form)")
                return
        cookies = f"{self.cookie}; csrftoken={cookie.group(1)}" if cookie else self.cookie
        body, content_type = _multipart({"csrfmiddlewaretoken": token.group(1), **fields}, files or {})
        headers = {"Cookie": cookies, "Content-Type": content_type, "Referer": f"{self.host}{url}"}
        with client.post(
            url, name=f"{name}_post", data=body, headers=headers, catch_response=True, allow_redirects=False
        ) as answer:
            location = answer.headers.get("Location") or ""
            if answer.status_code == 302 and "/accounts/" in location:
                answer.failure(f"302 on {name} (POST) to {location}")
            elif answer.status_code != 302:  # a form taken redirects (a refused one is shown again, 200)
                title = re.search(r"<title>([^<]*)</title>", answer.text or "")
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,120})', answer.text or "")
                answer.failure(
                    f"{answer.status_code} on {name} (POST): {title and title.group(1)} {errors[:3]}"
                )


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----kaigo-load-boundary"
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    for key, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class CareManager(_Portal):
    """The caseload, a person's page, the person's care plans."""

    role = "care_managers"
    fixed_count = _count("CARE_MANAGERS", "200")

    def person(self) -> str:
        return self.rng.choice(self.me["persons"])

    @task(3)
    def caseload(self):
        page = self.rng.choice([1, 1, 1, 2, 3])
        self.page(f"/care/caseload/?page={page}", "cm_caseload")

    @task(5)
    def person_page(self):
        self.page(f"/care/persons/{INSURER}/{self.person()}/", "cm_person")

    @task(2)
    def plans(self):
        self.page(f"/careplans/persons/{INSURER}/{self.person()}/", "cm_plans")


class Clerk(_Portal):
    """The person search, a person's page, the certification dashboard; one clerk also uploads an import,
    which the worker runs while the others work."""

    role = "clerks"
    fixed_count = _count("CLERKS", "20")

    def on_start(self) -> None:
        super().on_start()
        global _import_sent
        if not _import_sent and os.environ.get("BENCH_LOAD_IMPORT_FILE"):
            _import_sent = True
            gevent.spawn_later(float(os.environ.get("BENCH_LOAD_IMPORT_AFTER", "0")), self.upload)

    def upload(self) -> None:
        """Runs in a greenlet of its own, beside this clerk's pages, so it takes a client of its own: a
        FastHttpSession switches redirect-following off and on around each request on the client itself,
        so two requests at once on one client can leave one of them following a redirect (the import's
        302 to its job page, then to the sign-in without the cookie: a 200 sign-in page counted as an
        error, seen once in CI)."""
        with open(os.environ["BENCH_LOAD_IMPORT_FILE"], "rb") as source:
            content = source.read()
        own = FastHttpSession(self.host, request_event=self.environment.events.request, user=self)
        self.form(
            "/imports/",
            "clerk_import",
            {"format": "csv", "mode": "commit"},
            files={"file": ("import.csv", content)},
            client=own,
        )

    @task(3)
    def search(self):
        number = self.rng.choice(self.me["persons"])
        self.form("/persons/", "clerk_search", {"insured_number": number})

    @task(4)
    def person_page(self):
        self.page(f"/persons/{INSURER}/{self.rng.choice(self.me['persons'])}/", "clerk_person")

    @task(2)
    def dashboard(self):
        self.page("/certification/applications/", "clerk_dashboard")


class Clinic(_Portal):
    """The clinic's requests, and the opinion form of one of them."""

    role = "doctors"
    fixed_count = _count("CLINICS", "10")

    @task(2)
    def requests(self):
        self.page("/opinions/requests/", "clinic_requests")

    @task(3)
    def opinion(self):
        self.page(f"/opinions/requests/{self.rng.choice(self.me['requests'])}/write/", "clinic_opinion")


class Person(_Portal):
    """The person's own page and who looked at their data."""

    role = "persons"
    fixed_count = _count("PERSON_USERS", "20")

    @task(2)
    def home(self):
        self.page("/me/", "person_home")

    @task(3)
    def access_log(self):
        self.page(f"/me/{self.me['person']}/access-log/", "person_access_log")


@events.quitting.add_listener
def _exit_code(environment, **_kwargs) -> None:
    environment.process_exit_code = 0  # bench/load reads the failures from the stats, and reports them
