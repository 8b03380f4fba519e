"""HTTP clients of the API servers: single calls, concurrent bursts and a steady load."""

import itertools
import secrets
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from tests.faults.harness import Deadline, Person, Staff, wait_for
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

HOUSEHOLD = PROCEDURE_CODES["business_household"]
HOUSEHOLD_INTAKE = SCENARIOS["business_household"]["intake"]
# The business household's happy path is sequential: one open step at a time.
HOUSEHOLD_STEPS = dict(SCENARIOS["business_household"]["happy"])


@dataclass(frozen=True)
class Call:
    """One HTTP call and how it ended; `status` is None when no answer came back."""

    action: str
    status: int | None
    error: str | None
    started: float
    ended: float
    body: dict | list | None = None
    retry_after: str | None = None
    rid: str | None = None


class Api:
    """Clients of one or more API servers, used in turn; every call is kept in `calls`."""

    def __init__(self, base_urls: list[str], *, timeout: float = 15.0):
        self.timeout = timeout
        self._clients = [httpx.Client(base_url=url, timeout=timeout) for url in base_urls]
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def close(self) -> None:
        """Close every client."""
        for client in self._clients:
            client.close()

    def call(self, action: str, method: str, path: str, person: Person, *,
             json: dict | None = None, data: dict | None = None, files: dict | None = None,
             port_index: int | None = None, rid: str | None = None) -> Call:
        """Send one request (to the next server in turn unless `port_index` says which).

        `data` and `files` send multipart/form-data instead of `json`.
        """
        client = self._client(port_index)
        started = time.monotonic()
        try:
            response = client.request(method, path, json=json, data=data, files=files,
                                      headers=person.headers)
        except httpx.HTTPError as err:
            call = Call(action, None, type(err).__name__, started, time.monotonic(), rid=rid)
        else:
            try:
                body = response.json()
            except ValueError:
                body = {"text": response.text[:500]}
            call = Call(action, response.status_code, None, started, time.monotonic(), body,
                        response.headers.get("Retry-After"), rid)
        with self._lock:
            self.calls.append(call)
        return call

    def download(self, path: str, person: Person, *, port_index: int) -> httpx.Response:
        """GET a file from one server and return the whole response (not kept in `calls`)."""
        return self._client(port_index).get(path, headers=person.headers)

    def _client(self, port_index: int | None) -> httpx.Client:
        index = next(self._turn) if port_index is None else port_index
        return self._clients[index % len(self._clients)]

    def receive(self, person: Person, *, port_index: int | None = None) -> Call:
        """Receive a business household dossier marked with a fresh request id."""
        rid = secrets.token_hex(8)
        body = {"procedure_code": HOUSEHOLD,
                "applicant": {"full_name": "Nguyễn Văn Bình", "id_number": "038090001234",
                              "address": f"fault-test {rid}"},
                "form_data": HOUSEHOLD_INTAKE}
        return self.call("receive", "POST", "/api/v1/dossiers", person, json=body,
                         port_index=port_index, rid=rid)

    def sent(self, call_filter=None) -> list[Call]:
        """Return the calls kept so far, optionally filtered."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if call_filter is None or call_filter(c)]


def rid_of(applicant: dict) -> str | None:
    """Return the request id a dossier was received with (see Api.receive)."""
    address = applicant.get("address") or ""
    return address.removeprefix("fault-test ") if address.startswith("fault-test ") else None


class Load:
    """Client threads that receive dossiers and work their steps to the end until stopped.

    Each thread receives a dossier, then advances two dossiers by one step (read the
    dossier, claim its open step as someone of the right department, complete it).
    A call that fails is simply tried again later: the dossier goes back in the queue.
    """

    def __init__(self, api: Api, staff: Staff, deadline: Deadline, *, threads: int = 4,
                 receipts: int | None = None, backoff: float = 0.05):
        self.api = api
        self.staff = staff
        self.deadline = deadline
        self.receipts_wanted = receipts
        self.backoff = backoff
        self.finished: set[str] = set()
        self.failures: list[str] = []
        self._queue: deque[str] = deque()
        self._in_hand = 0
        self._received = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True,
                                          name=f"load-{n}") for n in range(threads)]

    def start(self) -> "Load":
        """Start the client threads."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop the threads after their current call (bounded by the client timeout)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.api.timeout + 5)
        stuck = [t.name for t in self._threads if t.is_alive()]
        assert not stuck, f"client threads did not stop: {stuck}"

    def wind_down(self) -> None:
        """Make no new receipts from now on; the dossiers received are still worked."""
        with self._lock:
            self.receipts_wanted = self._received

    def drain(self, timeout: float) -> None:
        """Wait until every receipt wanted was made and every dossier worked to the end."""
        def done():
            with self._lock:
                return (self.receipts_wanted is not None
                        and self._received >= self.receipts_wanted
                        and not self._queue and self._in_hand == 0)
        wait_for(done, timeout=self.deadline.within(timeout),
                 what="the clients to work every dossier to the end", interval=0.2)

    def _run(self, index: int) -> None:
        turn = 0
        try:
            while not self._stop.is_set() and self.deadline.left() > 0:
                outcome = self._receive(index) if turn % 3 == 0 else self._advance(index)
                turn += 1
                if outcome is False:
                    time.sleep(self.backoff)  # the server refused: do not hammer it
                elif outcome is None:
                    time.sleep(0.01)  # nothing to do right now
        except Exception as err:  # noqa: BLE001 - reported by the test, not swallowed
            self.failures.append(f"{type(err).__name__}: {err}")

    def _receptionist(self, index: int) -> Person:
        people = self.staff.kind("reception")
        return people[index % len(people)]

    def _receive(self, index: int) -> bool | None:
        with self._lock:
            if self.receipts_wanted is not None and self._received >= self.receipts_wanted:
                return None
            self._received += 1
        call = self.api.receive(self._receptionist(index))
        with self._lock:
            if call.status == 201:
                self._queue.append(call.body["code"])
            else:
                # Not received as far as the client knows: another receipt is made later.
                self._received -= 1
        return call.status == 201

    def _advance(self, index: int) -> bool | None:
        with self._lock:
            if not self._queue:
                return None
            code = self._queue.popleft()
            self._in_hand += 1
        try:
            return self._work_one_step(code, index)
        finally:
            with self._lock:
                self._in_hand -= 1
                if code not in self.finished:
                    self._queue.append(code)

    def _work_one_step(self, code: str, index: int) -> bool:
        read = self.api.call("read", "GET", f"/api/v1/dossiers/{code}",
                             self._receptionist(index))
        if read.status != 200:
            return False
        steps = read.body["open_steps"]
        if not steps:
            with self._lock:
                self.finished.add(code)
            return True
        step = steps[0]
        # The same person always works the same dossier's step, so a claim whose answer was
        # lost is found held by them and completed on the next round.
        person = self.staff.worker(step["department"], step["required_role"],
                                   sum(code.encode()))
        if step["state"] == "ready":
            claim = self.api.call("claim", "POST", f"/api/v1/tasks/{step['id']}/claim", person)
            if claim.status != 200:
                return False
        elif step["assignee"] != person.username:
            raise AssertionError(f"step {step['id']} of {code} is held by {step['assignee']}, "
                                 f"not {person.username}: someone else claimed it")
        done = self.api.call("complete", "POST", f"/api/v1/tasks/{step['id']}/complete",
                             person, json={"form_data": HOUSEHOLD_STEPS[step["step"]]})
        return done.status == 200


def receive_many(api: Api, staff: Staff, count: int) -> list[str]:
    """Receive `count` dossiers from concurrent clients, servers in turn; return their codes."""
    reception = staff.kind("reception")
    with ThreadPoolExecutor(max_workers=len(reception)) as pool:
        calls = list(pool.map(lambda n: api.receive(reception[n % len(reception)],
                                                    port_index=n), range(count)))
    refused = [(c.status, c.error, c.body) for c in calls if c.status != 201]
    assert not refused, f"receipts refused: {refused[:3]}"
    return [c.body["code"] for c in calls]


def claim_race(api: Api, officers: list[Person], task_id: int) -> list[Call]:
    """Have every officer claim the same step at the same moment, servers in turn."""
    barrier = threading.Barrier(len(officers))

    def claim(n: int) -> Call:
        barrier.wait(timeout=30)
        return api.call("race", "POST", f"/api/v1/tasks/{task_id}/claim", officers[n],
                        port_index=n)

    with ThreadPoolExecutor(max_workers=len(officers)) as pool:
        return list(pool.map(claim, range(len(officers))))
