"""gunicorn's threaded worker, closing at once the connections the application closes.

gunicorn drops the application's `Connection: close` and, to keep the connection alive,
reads whatever body the application left unread; a client dripping that body one byte a
second holds the thread reading it for as long as it likes (gunicorn's drain deadline
bounds each read, not the whole body). The application answers an unauthenticated
request without reading its body and with `Connection: close`: this worker honours it,
so the connection closes after the answer and no thread waits on the client.
"""

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

# How long a closing connection lingers for the client to read the answer (RFC 9112 9.6).
CLOSE_LINGER = 1.0


class Worker(ThreadWorker):
    """The gthread worker, honouring the application's `Connection: close`."""

    def load_wsgi(self):
        """Load the application, wrapped to pass its `Connection: close` on to gunicorn."""
        super().load_wsgi()
        self.wsgi = _closing_when_asked(self.wsgi)

    def handle(self, conn):
        """Serve one request; close a connection that will not be kept alive here, in the pool.

        gunicorn would otherwise linger on it from the worker's main loop, which accepts
        and dispatches every other connection meanwhile.
        """
        keep_alive = super().handle(conn)
        if keep_alive is False and conn.initialized:
            util.close_graceful(conn.sock, timeout=CLOSE_LINGER)
        return keep_alive


def _closing_when_asked(app):
    def application(environ, start_response):
        def start(status, headers, exc_info=None):
            if any(name.lower() == "connection" and value.lower() == "close"
                   for name, value in headers):
                # gunicorn's start_response is its Response's; closing is its own decision.
                start_response.__self__.force_close()
            return start_response(status, headers, exc_info)
        return app(environ, start)
    return application
