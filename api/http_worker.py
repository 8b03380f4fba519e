"""gunicorn's threaded worker, with a deadline on request heads and no drain of unread bodies.

A client that sends its request head (request line and headers) a byte at a time holds
a worker thread for as long as it likes: gunicorn bounds only the wait for the first
byte. This worker gives every head REQUEST_HEAD_SECONDS once a thread takes it; past that
the connection is shut, which ends the blocked read and frees the thread.

To keep a connection alive, gunicorn reads whatever body the application left unread; a
client dripping that body one byte a second holds the thread for as long as it likes
(gunicorn's drain deadline bounds each read, not the whole body). The application answers
an unauthenticated request without reading its body; this worker then closes the
connection after the answer instead of draining it.
"""

import socket
import threading
import time

from gunicorn import util
from gunicorn.http.body import ChunkedReader, EOFReader, LengthReader
from gunicorn.workers.gthread import ThreadWorker

# How long a closing connection lingers for the client to read the answer (RFC 9112 9.6).
CLOSE_LINGER = 1.0
# Seconds a client has to send its request head, counted from when its thread takes it
# (gunicorn first waits up to 5 s for a byte without holding a thread).
REQUEST_HEAD_SECONDS = 10.0


class Worker(ThreadWorker):
    """The gthread worker, cutting slow request heads and never draining an unread body."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # By file descriptor, the sockets whose request head is being read, and since when
        # (an SSL connection's socket is replaced by its wrapper on the same descriptor).
        self._heads: dict[int, tuple[socket.socket, float]] = {}
        self._heads_lock = threading.Lock()

    def load_wsgi(self):
        """Load the application, wrapped to see when a request's head has been read."""
        super().load_wsgi()
        self.wsgi = self._wrap(self.wsgi)

    def handle(self, conn):
        """Serve one request; close a connection that will not be kept alive here, in the pool.

        gunicorn would otherwise linger on it from the worker's main loop, which accepts
        and dispatches every other connection meanwhile.
        """
        descriptor = conn.sock.fileno()
        with self._heads_lock:
            self._heads[descriptor] = (conn.sock, time.monotonic())
        try:
            keep_alive = super().handle(conn)
        finally:
            self._head_read(descriptor)
        if keep_alive is False and conn.initialized:
            util.close_graceful(conn.sock, timeout=CLOSE_LINGER)
        return keep_alive

    def _keepalive_after(self, conn, keepalive):
        """Keep the connection only if the request's body needs no more reading."""
        if keepalive and _body_unread(conn.parser.mesg):
            return False
        return super()._keepalive_after(conn, keepalive)

    def murder_keepalived(self, force=False):
        """Close expired kept-alive connections, and shut those too slow to send a head."""
        super().murder_keepalived(force)
        late = time.monotonic() - REQUEST_HEAD_SECONDS
        with self._heads_lock:
            slow = [sock for sock, taken in self._heads.values() if taken < late]
            self._heads = {fd: head for fd, head in self._heads.items() if head[1] >= late}
        for sock in slow:
            self.log.warning("Closing a connection whose request head took over %.0f s",
                             REQUEST_HEAD_SECONDS)
            try:
                # The thread reading the head sees the end of the stream and lets go.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # closed meanwhile

    def _head_read(self, descriptor: int) -> None:
        with self._heads_lock:
            self._heads.pop(descriptor, None)

    def _wrap(self, app):
        def application(environ, start_response):
            self._head_read(environ["gunicorn.socket"].fileno())
            return app(environ, start_response)
        return application


def _body_unread(request) -> bool:
    """Tell whether some of the request's body is still to come from the client."""
    reader = getattr(getattr(request, "body", None), "reader", None)
    if isinstance(reader, LengthReader):
        return reader.length > 0
    if isinstance(reader, ChunkedReader):
        return reader.parser is not None
    if isinstance(reader, EOFReader):
        return not reader.finished
    return False
