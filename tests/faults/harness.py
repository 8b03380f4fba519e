"""The throw-away PostgreSQL database, its staff, and the real processes that run on it.

Everything here talks to 127.0.0.1 only, bounds every wait by a deadline, and can kill
every process it started.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.scenarios import WORKER
from tests.scratch_database import NotOnThisMachine, ScratchDatabase

PG_URL = os.environ.get("MOTCUA_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]
# No test of this folder may run longer than this, servers' start-up included.
TEST_SECONDS = 90.0

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="the fault tests run real servers and schedulers on PostgreSQL: set "
                       "MOTCUA_TEST_DATABASE_URL (.ci/run sets it to the local server)")

class Deadline:
    """A point in time every wait of a test gives up at."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        """Return the seconds left, never negative."""
        return max(0.0, self._end - time.monotonic())

    def within(self, seconds: float) -> float:
        """Return `seconds`, cut to what is left."""
        return min(seconds, self.left())


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"gave up after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)



class FaultDatabase(ScratchDatabase):
    """A fresh database `motcua_faults_<random>` on the test server, dropped by `drop()`."""

    @classmethod
    def create(cls, server_url: str, *, prefix: str = "motcua_faults") -> "FaultDatabase":
        """Create an empty database on the server named by `server_url`."""
        try:
            return super().create(server_url, prefix=prefix)
        except NotOnThisMachine as err:
            pytest.fail(f"MOTCUA_TEST_DATABASE_URL: {err}")


def motcua_command() -> str:
    """Return the `motcua` entry point installed beside the running interpreter."""
    candidate = Path(sys.executable).parent / "motcua"
    if not candidate.exists():
        pytest.fail(f"{candidate} is missing: run `make install` first")
    return str(candidate)


def process_env(database: FaultDatabase, app_name: str) -> dict:
    """Return the environment of a `motcua` process on `database`, named in pg_stat_activity."""
    env = {**os.environ, "MOTCUA_DATABASE_URL": database.url, "PYTHONUNBUFFERED": "1",
           "PGAPPNAME": app_name}
    env.pop("MOTCUA_TEST_DATABASE_URL", None)
    env.pop("MOTCUA_WORKERS", None)  # `motcua serve` runs its default number of workers
    return env


def init_database(database: FaultDatabase, log_path: Path) -> None:
    """Run `motcua init --no-demo`: schema, procedures of workflows/, no demo users."""
    with open(log_path, "ab") as log:
        done = subprocess.run([motcua_command(), "init", "--no-demo"], cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT, timeout=60,
                              env=process_env(database, "motcua-init"))
    if done.returncode != 0:
        pytest.fail(f"motcua init failed ({done.returncode}):\n{tail(log_path)}")



@dataclass(frozen=True)
class Person:
    """A member of staff and their bearer token."""

    id: int
    username: str
    role: str
    department: str | None
    token: str

    @property
    def headers(self) -> dict:
        """Return the Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Staff:
    """Everyone the clients act as, by the kind of worker of tests.scenarios.WORKER."""

    by_kind: dict[str, list[Person]] = field(default_factory=dict)

    def kind(self, kind: str) -> list[Person]:
        """Return the people of one kind."""
        return self.by_kind[kind]

    def worker(self, department: str, required_role: str | None, index: int) -> Person:
        """Return a person (chosen by `index`) who may work a step of this department and role."""
        people = self.by_kind[WORKER[(department, required_role)]]
        return people[index % len(people)]

    def ids(self, kind: str) -> set[int]:
        """Return the user ids of one kind."""
        return {person.id for person in self.by_kind[kind]}


# (kind of tests.scenarios.WORKER, "supervisor" or "designer", role, department, how many)
HOUSEHOLD_STAFF = (
    ("reception", "receptionist", "RECEPTION", 4),
    ("economic", "officer", "ECONOMIC", 20),
    ("economic_head", "head", "ECONOMIC", 2),
    ("supervisor", "supervisor", None, 1),
    ("designer", "designer", None, 1),
)


def create_staff(database: FaultDatabase) -> Staff:
    """Create the staff of HOUSEHOLD_STAFF with engine.accounts.create_user, in this process."""
    from api import create_app
    from api.extensions import db
    from engine.accounts import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url})
    staff = Staff()
    with app.app_context():
        for kind, role, department, count in HOUSEHOLD_STAFF:
            for n in range(1, count + 1):
                user, token = create_user(db.session, username=f"{kind}.{n}", role=role,
                                          department_code=department, actor="fault-tests",
                                          full_name=f"Fault test {kind} {n}",
                                          now=datetime.now(UTC))
                staff.by_kind.setdefault(kind, []).append(
                    Person(user.id, user.username, role, department, token))
        db.session.remove()
        db.engine.dispose()
    return staff



def tail(path: Path, lines: int = 30) -> str:
    """Return the last lines of a log file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """Return a loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Return the live child processes of `pid`, read from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if int(ppid) == pid and state != "Z":
            children.append(int(entry))
    return sorted(children)


def group_members(pgid: int) -> list[int]:
    """Return the live processes of process group `pgid`, read from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _ppid, group = stat[stat.rindex(")") + 2:].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(int(entry))
    return sorted(members)


def owner_of_client_port(port: int, candidates: list[int]) -> int | None:
    """Return which of `candidates` holds the TCP socket bound to local `port` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    for pid in candidates:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


class Managed:
    """A `motcua` process in a session of its own, so its whole group can be killed."""

    def __init__(self, *, name: str, command: list[str], env: dict, log_path: Path):
        self.name = name
        self.log_path = log_path
        with open(log_path, "ab") as log:
            log.write(f"\n$ {' '.join(command)}\n".encode())
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        """Return the process id (also its group id)."""
        return self.process.pid

    def running(self) -> bool:
        """Tell whether the process is still running."""
        return self.process.poll() is None

    def kill9(self) -> None:
        """Kill the process alone with SIGKILL, as a crash would."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the whole group, SIGKILL it after `grace` seconds; reap the leader."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; SIGKILL whatever of its group outlived it.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break


class Server(Managed):
    """`motcua serve`: a gunicorn master, its workers and, unless told not to, its scheduler."""

    def __init__(self, *, name: str, env: dict, log_path: Path, options: tuple[str, ...] = (),
                 workers: int = 2):
        self.port = free_port()
        self.workers = workers
        super().__init__(name=name, env=env, log_path=log_path, command=[
            motcua_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
            *options])

    @property
    def base_url(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """Return the gunicorn worker processes of the master."""
        return [pid for pid in self._children() if not _is_scheduler(pid)]

    def scheduler_pids(self) -> list[int]:
        """Return the scheduler processes the master supervises (`motcua worker`)."""
        return [pid for pid in self._children() if _is_scheduler(pid)]

    def _children(self) -> list[int]:
        return children_of(self.pid) if self.running() else []

    def ready(self) -> bool:
        """Tell whether the API answers and every gunicorn worker is up."""
        if not self.running():
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n"
                                 f"{tail(self.log_path)}")
        try:
            answer = httpx.get(f"{self.base_url}/api/openapi.json", timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and len(self.worker_pids()) == self.workers


def _is_scheduler(pid: int) -> bool:
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"worker" in arguments


class Scheduler(Managed):
    """`motcua worker`: one process firing due timers, reminders and escalations."""

    def __init__(self, *, name: str, env: dict, log_path: Path):
        super().__init__(name=name, env=env, log_path=log_path,
                         command=[motcua_command(), "worker"])

    def ready(self) -> bool:
        """Tell whether the worker says it is running."""
        if not self.running():
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n"
                                 f"{tail(self.log_path)}")
        return "Due-work worker running" in tail(self.log_path, 5)


class Processes:
    """Every process a test starts; `stop_all` kills them whatever happened."""

    def __init__(self, database: FaultDatabase, log_dir: Path, deadline: Deadline):
        self.database = database
        self.log_dir = log_dir
        self.deadline = deadline
        self.started: list[Managed] = []

    def serve(self, name: str, *, workers: int = 2, threads: int = 4) -> Server:
        """Start an API server (without the scheduler); `wait_ready` waits for it."""
        server = Server(name=name, env=process_env(self.database, f"motcua-{name}"),
                        log_path=self.log_dir / f"{name}.log", workers=workers,
                        options=("--no-scheduler", "--workers", str(workers),
                                 "--threads", str(threads)))
        self.started.append(server)
        return server

    def serve_as_shipped(self, name: str) -> Server:
        """Start `motcua serve` as `make serve` does: default workers, threads and scheduler."""
        server = Server(name=name, env=process_env(self.database, f"motcua-{name}"),
                        log_path=self.log_dir / f"{name}.log")
        self.started.append(server)
        return server

    def scheduler(self, name: str) -> Scheduler:
        """Start a `motcua worker` named `name` in pg_stat_activity."""
        scheduler = Scheduler(name=name, env=process_env(self.database, f"motcua-{name}"),
                              log_path=self.log_dir / f"{name}.log")
        self.started.append(scheduler)
        return scheduler

    def wait_ready(self, *processes: Managed, timeout: float = 60.0) -> None:
        """Wait until every process given is ready."""
        for process in processes:
            wait_for(process.ready, timeout=self.deadline.within(timeout),
                     what=f"{process.name} to be ready", interval=0.2)

    def stop_all(self) -> None:
        """Stop every process started, newest first."""
        for process in reversed(self.started):
            process.stop()

    def logs(self) -> str:
        """Return the tail of every process's log, for a failure report."""
        return "\n".join(f"--- {p.name} (pid {p.pid}) ---\n{tail(p.log_path)}"
                         for p in self.started)


def _cluster_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster and /etc/postgresql/<version>")
    return versions[-1]


def postgres_ready(server_url: str) -> bool:
    """Tell whether the server accepts connections."""
    try:
        with psycopg.connect(server_url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def restart_postgres(server_url: str, *, timeout: float) -> float:
    """Restart the local cluster (a fast shutdown, then a start); return the seconds it took.

    Whatever happens, the cluster is started again before this returns.
    """
    version = _cluster_version()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    started = time.monotonic()
    try:
        done = subprocess.run([*command, "restart"], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"pg_ctlcluster restart failed: {done.stderr}"
        wait_for(lambda: postgres_ready(server_url), timeout=timeout,
                 what="PostgreSQL to accept connections again", interval=0.1)
    finally:
        if not postgres_ready(server_url):
            subprocess.run([*command, "start"], capture_output=True, timeout=60)
    return time.monotonic() - started


OBSERVATIONS: list[str] = []


def observe(text: str) -> None:
    """Keep a fact worth reading in the run's summary (not a failure)."""
    OBSERVATIONS.append(text)
