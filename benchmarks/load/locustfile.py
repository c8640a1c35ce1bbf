"""The load of an evening in a city, for `make loadtest` (scripts/loadtest.sh) and its smoke test.

    locust -f benchmarks/load/locustfile.py --headless --host http://127.0.0.1:8140 --csv var/loadtest/run
    (LOADTEST_PLAN=var/loadtest/plan.json, written by benchmarks/load/prepare.py)

Rates per second at LOADTEST_SCALE=1 (the mix of issue 17; each user class keeps its rate with
constant_throughput, so a slow server shows as a rate below target, never as more pressure):
  intake 20/s        phone intake through the staff API 10/s (token, Idempotency-Key; one in 20 sent twice
                     and answered from the key, one in 10 a repeat call linked to an appeal of the run),
                     online filing by residents 6/s (the form's GET for its CSRF cookie and idempotency key,
                     then the POST), Open311 POST 4/s (api_key, attribute[fixmystreet_id] as the client's id)
  dispatcher 20/s    the intake page, phone panel, address suggest while typing, search by number/phone/address,
                     appeal cards (dispatcher 16/s); the provider's journal and its cards (operator 4/s)
  tiles 300/s        public vector tiles (appeals, buildings, streets), zooms 10-18 at places across the city
  clusters 50/s      /api/v1/public/clusters for 1280×900 px viewports, zooms 10-18
  tracking 30/s      /track/ by number (the public card) and by number + code (appeals filed in this run)
Bounded: LOADTEST_SECONDS (default 600) after which the shape stops the run, LOADTEST_MAX_REQUESTS (default
1.5 × the planned count) after which the runner quits; loopback hosts only (anything else is refused).
A response that is not what a user would get (status, body) is a failure: the pass line is 0 of them.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
import mercantile
from locust import FastHttpUser, LoadTestShape, constant_throughput, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard import loopback_refusal  # noqa: E402 (locust loads this file by path, not as a package module)

SCALE = float(os.environ.get("LOADTEST_SCALE", "1"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "600"))
SPAWN_SECONDS = float(os.environ.get("LOADTEST_SPAWN_SECONDS", "10"))
PLAN_PATH = os.environ.get("LOADTEST_PLAN", "var/loadtest/plan.json")

# Target rates per second (issue 17) and how many requests one simulated client makes per second at most:
# enough clients that a slow answer does not stall the rest of its kind.
RATES = {
    "PhoneIntake": (10, 1.0), "OnlineFiling": (6, 0.5), "Open311Client": (4, 1.0),
    "Dispatcher": (16, 1.0), "Operator": (4, 1.0),
    "TileClient": (300, 5.0), "ClusterClient": (50, 2.0), "Tracker": (30, 2.0),
}
# Requests per iteration of each kind (online filing: the form, then the POST).
REQUESTS_PER_ITERATION = {"OnlineFiling": 2}
ZOOMS = range(10, 19)


def _plan() -> dict:
    with open(PLAN_PATH) as f:
        return json.load(f)


PLAN = _plan()
PLACES = PLAN["places"]
ADDRESSED = [p for p in PLACES if p["address"]] or PLACES
# Appeals filed in this run: (number, tracking code) for /track/, numbers for repeat calls.
FILED: list[tuple[str, str]] = []
PHONED: list[str] = []


def _sizing(kind: str) -> tuple[int, float]:
    """(clients, iterations per second each) for the kind's target rate at SCALE."""
    rate, per_client = RATES[kind]
    rate = rate * SCALE
    clients = max(1, math.ceil(rate / per_client))
    return clients, rate / clients


def planned_requests() -> float:
    return sum(RATES[k][0] * SCALE * REQUESTS_PER_ITERATION.get(k, 1) for k in RATES) * SECONDS


MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS") or 1.5 * planned_requests() + 100)
_count = {"requests": 0, "stopping": False}
# The smoke test's mode (LOADTEST_UNTIL_COVERED=1): the run ends as soon as every part of the mix has been
# answered once without failure (or at LOADTEST_SECONDS at the latest), so it is short on a quiet machine and
# still complete on a busy one.
UNTIL_COVERED = os.environ.get("LOADTEST_UNTIL_COVERED", "") == "1"
COVER = ("POST /api/v1/appeals (phone intake)", "GET /report/", "POST /report/ (online filing)",
         "POST /open311/v2/requests.json", "POST /accounts/login/", "GET /dispatch/", "GET /api/v1/suggest",
         "GET /appeals/{number}/", "GET /journal/", "GET /tiles/", "GET /api/v1/public/clusters", "GET /track/")
_covered: set[str] = set()


@events.init.add_listener
def _loopback_only(environment, **_kwargs) -> None:
    """Refuse any target but this machine (127.0.0.0/8, ::1): the load is never sent anywhere else."""
    refusal = loopback_refusal(environment.host or "")
    if refusal:
        raise SystemExit("loadtest: " + refusal)


@events.request.add_listener
def _bounded(name: str = "", exception=None, **_kwargs) -> None:
    _count["requests"] += 1
    if UNTIL_COVERED and exception is None:
        _covered.update(c for c in COVER if name.startswith(c))
    if _count["requests"] >= MAX_REQUESTS and not _count["stopping"]:
        _count["stopping"] = True
        print(f"loadtest: {MAX_REQUESTS} requests reached, stopping", flush=True)
        gevent.spawn(_quit)


_environment = {}


@events.init.add_listener
def _keep_environment(environment, **_kwargs) -> None:
    _environment["env"] = environment


def _quit() -> None:
    env = _environment.get("env")
    if env is not None and env.runner is not None:
        env.runner.quit()


def _phone() -> str:
    return f"+38050{random.randint(1_000_000, 9_999_999)}"


def _place(jitter_m: float = 30.0) -> tuple[float, float]:
    p = random.choice(PLACES)
    d = jitter_m / 111_000
    return p["lon"] + random.uniform(-d, d) * 1.5, p["lat"] + random.uniform(-d, d)


def _hidden(html: str, name: str) -> str:
    m = re.search(r'name="' + re.escape(name) + r'" value="([^"]*)"', html) or \
        re.search(r'value="([^"]*)" name="' + re.escape(name) + '"', html)
    return m.group(1) if m else ""


class _Base(FastHttpUser):
    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0
    insecure = False

    def _expect(self, response, *statuses: int, contains: str = "") -> bool:
        if response.status_code not in statuses:
            response.failure(f"HTTP {response.status_code}: {(response.text or '')[:160]!r}")
            return False
        if contains and contains not in (response.text or ""):
            response.failure(f"answer lacks {contains!r}")
            return False
        response.success()
        return True

    def _sign_in(self, account: dict) -> None:
        with self.client.get("/accounts/login/", name="GET /accounts/login/", catch_response=True) as r:
            self._expect(r, 200)
            csrf = _hidden(r.text or "", "csrfmiddlewaretoken")
        with self.client.post("/accounts/login/", name="POST /accounts/login/", catch_response=True,
                              allow_redirects=False,
                              data={"username": account["username"], "password": account["password"],
                                    "csrfmiddlewaretoken": csrf}) as r:
            self._expect(r, 302)


def _kind(cls):
    """Size a user class from RATES: fixed number of clients, each at a constant throughput."""
    clients, per_client = _sizing(cls.__name__)
    cls.fixed_count = clients
    cls.wait_time = constant_throughput(per_client)
    return cls


@_kind
class PhoneIntake(_Base):
    """A dispatcher's softphone client filing calls through POST /api/v1/appeals with its token."""

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {PLAN['dispatcher']['token']}"}

    @task
    def file_call(self) -> None:
        key = secrets.token_urlsafe(16)
        body: dict = {"category": random.choice(PLAN["intake_categories"]), "phone": _phone(), "channel": "phone",
                      "applicant_name": "Навантаження Тест", "description": "Навантажувальний тест: дзвінок"}
        link = bool(PHONED) and random.random() < 0.1  # a bool: PHONED itself grows while the request runs
        if link:
            body["link_to_appeal"] = random.choice(PHONED)
        elif random.random() < 0.5:
            body["address_text"] = random.choice(ADDRESSED)["address"]
        else:
            body["building"] = random.choice(PLACES)["building"]
        with self.client.post("/api/v1/appeals", name="POST /api/v1/appeals (phone intake)", json=body,
                              headers={**self.headers, "Idempotency-Key": key}, catch_response=True) as r:
            if not self._expect(r, 200 if link else 201):
                return
            number = r.json()["number"]
        if not link:
            PHONED.append(number)
            del PHONED[:-500]
        if random.random() < 0.05:  # the client did not see the answer and sends the same call again
            with self.client.post("/api/v1/appeals", name="POST /api/v1/appeals (retry, same key)", json=body,
                                  headers={**self.headers, "Idempotency-Key": key}, catch_response=True) as r:
                if self._expect(r, 200) and (r.json().get("number") != number or not r.json().get("replayed")):
                    r.failure("a retry with the same key did not answer the first appeal")


@_kind
class OnlineFiling(_Base):
    """A resident on /report/: the form (CSRF cookie, idempotency key), then the filing."""

    @task
    def file_online(self) -> None:
        self.client.cookiejar.clear()
        with self.client.get("/report/", name="GET /report/", catch_response=True) as r:
            if not self._expect(r, 200):
                return
            html = r.text or ""
        category = random.choice(PLAN["public_categories"])
        place = random.choice(PLACES)
        data = {"csrfmiddlewaretoken": _hidden(html, "csrfmiddlewaretoken"),
                "idempotency_key": _hidden(html, "idempotency_key"), "category": category["id"],
                "building": place["building"], "description": "Навантажувальний тест: не працює освітлення",
                "name": "Мешканка Тест", "phone": _phone(), "consent": "on", "notify": "on"}
        with self.client.post("/report/", name="POST /report/ (online filing)", data=data, catch_response=True) as r:
            if not self._expect(r, 200, contains='id="appeal-number"'):
                return
            html = r.text or ""
        number = re.search(r'id="appeal-number">([^<]+)<', html)
        code = re.search(r'id="tracking-code" class="code">([^<]+)<', html)
        if number and code:
            FILED.append((number.group(1), code.group(1)))
            del FILED[:-2000]


@_kind
class Open311Client(_Base):
    """A city app (FixMyStreet-like) posting form-encoded requests with its api_key."""

    @task
    def post_request(self) -> None:
        category = random.choice(PLAN["public_categories"])
        lon, lat = _place(5)
        form = {"api_key": PLAN["open311_key"], "service_code": category["code"], "lat": f"{lat:.7f}",
                "long": f"{lon:.7f}", "description": "Навантажувальний тест: яма на дорозі",
                "first_name": "Клієнт", "last_name": "Тест", "phone": _phone(),
                "attribute[fixmystreet_id]": secrets.token_hex(8)}
        for code, answers in category.get("attributes", {}).items():
            form[f"attribute[{code}]"] = random.choice(answers)
        if random.random() < 0.5:
            form.pop("lat"), form.pop("long")
            form["address_id"] = str(random.choice(PLACES)["building"])
        with self.client.post("/open311/v2/requests.json", name="POST /open311/v2/requests.json",
                              data=urlencode(form), catch_response=True,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
            if self._expect(r, 201) and not ("service_request_id" in r.text or "token" in r.text):
                r.failure("no service_request_id or token")


@_kind
class Dispatcher(_Base):
    """A signed-in dispatcher: intake page, the caller's history, address suggest, search, cards."""

    def on_start(self) -> None:
        self._sign_in(PLAN["dispatcher"])

    def _get(self, path: str, name: str, *statuses: int) -> None:
        with self.client.get(path, name=name, catch_response=True) as r:
            self._expect(r, *(statuses or (200,)))

    @task(3)
    def intake_page(self) -> None:
        self._get("/dispatch/", "GET /dispatch/")

    @task(3)
    def phone_panel(self) -> None:
        phone = random.choice(PLAN["phones"]) if PLAN["phones"] else _phone()
        self._get("/dispatch/phone.json?" + urlencode({"phone": phone}), "GET /dispatch/phone.json")

    @task(4)
    def suggest(self) -> None:
        street = random.choice(PLAN["streets"]) if PLAN["streets"] else "Миру"
        typed = street.split(" ", 1)[-1][: random.randint(3, 8)]
        self._get("/api/v1/suggest?" + urlencode({"q": typed}), "GET /api/v1/suggest")

    @task(2)
    def search_number(self) -> None:
        self._get("/dispatch/search/?" + urlencode({"number": random.choice(PLAN["recent_numbers"])}),
                  "GET /dispatch/search/ (number)")

    @task(1)
    def search_phone(self) -> None:
        phone = random.choice(PLAN["phones"]) if PLAN["phones"] else _phone()
        self._get("/dispatch/search/?" + urlencode({"phone": phone}), "GET /dispatch/search/ (phone)")

    @task(2)
    def search_address(self) -> None:
        address = random.choice(ADDRESSED)["address"]
        self._get("/dispatch/search/?" + urlencode({"address": address}), "GET /dispatch/search/ (address)")

    @task(3)
    def card(self) -> None:
        self._get(f"/appeals/{random.choice(PLAN['recent_numbers'])}/", "GET /appeals/{number}/")


@_kind
class Operator(_Base):
    """A provider's operator working the journal."""

    def on_start(self) -> None:
        self._sign_in(PLAN["operator"])

    @task(3)
    def journal(self) -> None:
        params = random.choice([{}, {"sort": "deadline"}, {"deadline": "overdue"}, {"status": "all"}])
        with self.client.get("/journal/?" + urlencode(params), name="GET /journal/", catch_response=True) as r:
            self._expect(r, 200)

    @task(1)
    def journal_page_two(self) -> None:
        with self.client.get("/journal/?page=2", name="GET /journal/ (page 2)", catch_response=True) as r:
            self._expect(r, 200)


@_kind
class TileClient(_Base):
    """The public map panning about: vector tiles of appeals and of the basemap."""

    @task
    def tile(self) -> None:
        z = random.choice(ZOOMS)
        lon, lat = _place(300)
        t = mercantile.tile(lon, lat, z)
        layer = random.choices(["appeals", "buildings", "streets"], weights=[6, 3, 1])[0]
        if layer == "buildings" and z < 14:
            layer = "appeals"
        with self.client.get(f"/tiles/{layer}/{z}/{t.x}/{t.y}.pbf", name=f"GET /tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf",
                             catch_response=True) as r:
            self._expect(r, 200)


@_kind
class ClusterClient(_Base):
    """The public map asking for clusters of a 1280×900 px viewport."""

    @task
    def clusters(self) -> None:
        z = random.choice(ZOOMS)
        lon, lat = _place(300)
        half_lon = 640 * 360 / (256 * 2**z)
        half_lat = 450 * 360 / (256 * 2**z) * math.cos(math.radians(lat))
        bbox = f"{lon - half_lon:.6f},{lat - half_lat:.6f},{lon + half_lon:.6f},{lat + half_lat:.6f}"
        with self.client.get("/api/v1/public/clusters?" + urlencode({"bbox": bbox, "zoom": z}),
                             name="GET /api/v1/public/clusters", catch_response=True) as r:
            if self._expect(r, 200) and '"features"' not in (r.text or ""):
                r.failure("not a FeatureCollection")


@_kind
class Tracker(_Base):
    """Residents looking up an appeal: by number alone (the public card) or with their tracking code."""

    @task
    def track(self) -> None:
        if FILED and random.random() < 0.4:
            number, code = random.choice(FILED)
            with self.client.get("/track/?" + urlencode({"number": number, "code": code}),
                                 name="GET /track/ (number + code)", catch_response=True) as r:
                self._expect(r, 200, contains=number)
        else:
            number = random.choice(PLAN["public_numbers"])
            with self.client.get("/track/?" + urlencode({"number": number}), name="GET /track/ (number)",
                                 catch_response=True) as r:
                self._expect(r, 200, contains=number)


class Evening(LoadTestShape):
    """Every client started within SPAWN_SECONDS, held until SECONDS, then the run ends by itself."""

    def tick(self):
        if self.get_run_time() >= SECONDS or (UNTIL_COVERED and len(_covered) == len(COVER)):
            return None
        users = sum(_sizing(k)[0] for k in RATES)
        return users, max(1.0, users / SPAWN_SECONDS)


if __name__ == "__main__":  # the planned sizes, for the script's log
    for k in RATES:
        print(k, *_sizing(k))
    print("planned requests", int(planned_requests()), "bound", MAX_REQUESTS, time.strftime("%H:%M:%S"))
