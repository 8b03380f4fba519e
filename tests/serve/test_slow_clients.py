"""Anonymous clients dripping a body cannot hold the shipped server: they get 401 unread."""

import socket
import threading

import httpx

from tests.faults.harness import create_staff, wait_for

DRIPPERS = 10
# Every wait on the server is bounded by this; the drippers alone would never end.
ANSWER_WITHIN = 45.0


class Dripper:
    """A client that sends the start of a request, then one more byte every second."""

    def __init__(self, port: int, *, opening: bytes, byte: bytes):
        self.byte = byte
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WITHIN)
        self.sock.sendall(opening)

    @classmethod
    def body(cls, port: int, *, chunked: bool, path: str = "/api/v1/dossiers") -> "Dripper":
        """Send a request's whole head, then drip its body (chunked or of a stated length)."""
        length = "Transfer-Encoding: chunked" if chunked else "Content-Length: 100000"
        return cls(port, opening=f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 f"Content-Type: application/json\r\n{length}\r\n\r\n"
                                 .encode(),
                   byte=b"1\r\n \r\n" if chunked else b" ")

    @classmethod
    def head(cls, port: int) -> "Dripper":
        """Send a request line, then drip a header that never ends."""
        return cls(port, opening=b"GET /api/v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 b"X-Slow: ", byte=b"x")

    def drip(self) -> bool:
        """Send one more byte; tell whether the server still takes them."""
        try:
            self.sock.sendall(self.byte)
        except OSError:
            return False
        return True

    def answer(self) -> bytes:
        """Return what the server answered so far, b"" if it closed (waits ANSWER_WITHIN)."""
        try:
            return self.sock.recv(4096)
        except ConnectionResetError:
            return b""


def drip_every_second(drippers: list[Dripper], stop: threading.Event) -> None:
    """Drip one byte on every dripper each second until stopped or refused everywhere."""
    dripping = list(drippers)
    while dripping and not stop.wait(1.0):
        dripping = [d for d in dripping if d.drip()]


def start_dripping(drippers: list[Dripper], cleanup) -> list[Dripper]:
    """Drip on every dripper from a thread until the test ends; close them then."""
    for dripper in drippers:
        cleanup.callback(dripper.sock.close)
    stop = threading.Event()
    thread = threading.Thread(target=drip_every_second, args=(drippers, stop), daemon=True)
    thread.start()
    cleanup.callback(thread.join, 5)
    cleanup.callback(stop.set)
    return drippers


def test_ten_slow_anonymous_clients_do_not_stop_others_being_served(
        one_database, shipped, deadline, cleanup):
    staff = create_staff(one_database)
    server = shipped(one_database).serve_as_shipped("serve")
    wait_for(server.ready, timeout=deadline.within(60), what="motcua serve to answer",
             interval=0.2)
    # Most drip a receipt; two drip to an address that is no endpoint at all.
    paths = ["/api/v1/dossiers"] * (DRIPPERS - 2) + ["/api/v1/nowhere"] * 2
    drippers = start_dripping([Dripper.body(server.port, chunked=n % 2 == 1, path=path)
                               for n, path in enumerate(paths)], cleanup)

    served = httpx.get(f"{server.base_url}/api/v1/dossiers",
                       headers=staff.kind("reception")[0].headers, timeout=ANSWER_WITHIN)

    assert served.status_code == 200
    statuses = [dripper.answer().split(b" ")[1] for dripper in drippers]
    assert statuses == [b"401"] * (DRIPPERS - 2) + [b"404"] * 2


def test_ten_clients_dripping_their_headers_are_cut_off_and_others_are_served(
        one_database, shipped, deadline, cleanup):
    staff = create_staff(one_database)
    server = shipped(one_database).serve_as_shipped("serve")
    wait_for(server.ready, timeout=deadline.within(60), what="motcua serve to answer",
             interval=0.2)
    drippers = start_dripping([Dripper.head(server.port) for _ in range(DRIPPERS)], cleanup)

    served = httpx.get(f"{server.base_url}/api/v1/dossiers",
                       headers=staff.kind("reception")[0].headers, timeout=ANSWER_WITHIN)

    assert served.status_code == 200
    assert [dripper.answer() for dripper in drippers] == [b""] * DRIPPERS
