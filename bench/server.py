"""The real server: `motcua serve` under gunicorn, started as a subprocess and always stopped."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def motcua_command() -> str:
    """Return the `motcua` entry point installed beside the running interpreter."""
    candidate = Path(sys.executable).parent / "motcua"
    if candidate.exists():
        return str(candidate)
    raise SystemExit(f"{candidate} is missing: run `make install` (or make bench) first")


def free_port() -> int:
    """Return a loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `motcua serve --no-scheduler` process group on a free loopback port."""

    def __init__(self, *, env: dict, workers: int, threads: int, log_path: Path):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> "Server":
        """Start the server and wait until it answers; raise with its log tail if it does not."""
        self.port = free_port()
        command = [motcua_command(), "serve", "--no-scheduler", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers),
                   "--threads", str(self.threads)]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        self._log = log
        # A session of its own, so the whole gunicorn group can be signalled by its id.
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/api/openapi.json", timeout=2).status_code == 200:
                    if len(self.processes()) >= self.workers + 1:
                        return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def processes(self) -> list[psutil.Process]:
        """Return the gunicorn master and its workers."""
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            master = psutil.Process(self.process.pid)
            return [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> list[int]:
        """Return the pids of the gunicorn workers."""
        return [p.pid for p in self.processes()[1:]]

    def rss_bytes(self) -> int:
        """Return the resident memory of the master and all workers together."""
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self, grace: float = 20.0) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after `grace` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            pgid = self.process.pid  # the session leader's pid is the group id
            try:
                os.killpg(pgid, signal.SIGTERM)
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.process = None
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines the server wrote."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class CpuMeter:
    """CPU seconds spent by a set of processes between two snapshots."""

    def __init__(self, find_processes):
        self.find_processes = find_processes
        self._start: dict[int, float] = {}

    def _snapshot(self) -> dict[int, float]:
        seen = {}
        for proc in self.find_processes():
            try:
                times = proc.cpu_times()
                seen[proc.pid] = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return seen

    def start(self) -> None:
        """Take the first snapshot."""
        self._start = self._snapshot()

    def seconds(self) -> float:
        """Return CPU seconds since start(); processes born since count whole."""
        end = self._snapshot()
        return sum(cpu - self._start.get(pid, 0.0) for pid, cpu in end.items())


def postgres_backends(database: str):
    """Return a finder of the PostgreSQL backends serving `database` (by process title)."""
    marker = f" {database} "

    def find() -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(proc.info["cmdline"] or ())
            if proc.info["name"] in ("postgres", "postmaster") and marker in title:
                found.append(proc)
        return found

    return find


class MachineMeter:
    """Busy CPU of the whole machine between two snapshots, whoever used it."""

    def start(self) -> None:
        """Take the first snapshot."""
        self._start = psutil.cpu_times()

    def seconds(self) -> float:
        """Return busy CPU seconds (all cores) since start()."""
        end = psutil.cpu_times()
        idle = (end.idle - self._start.idle) + (getattr(end, "iowait", 0)
                                                 - getattr(self._start, "iowait", 0))
        total = sum(end) - sum(self._start)
        return total - idle


def own_process() -> list[psutil.Process]:
    """Return this benchmark process (the HTTP client and the floor's driver)."""
    return [psutil.Process()]
