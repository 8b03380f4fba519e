"""Serve the application with gunicorn, its due-work scheduler supervised beside the workers.

The master forks its workers, so it never runs a thread: a thread importing a module
while the master forks leaves the child a half-initialised module or a held import lock.
The scheduler therefore runs in a process of its own (`motcua worker`, started by
fork+exec), which the master restarts when it dies and stops when the server stops.
"""

import logging

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from api.supervisor import SupervisedProcess, motcua_command

# The loggers of the application's own packages, sent to gunicorn's error log.
APPLICATION_LOGGERS = ("api", "engine", "forms")


class Server(BaseApplication):
    """gunicorn serving `app`, with the scheduler process unless `scheduler` is False."""

    def __init__(self, app, *, engine, bind: str, workers: int, threads: int, scheduler: bool):
        self.app = app
        self.engine = engine
        self.settings = {"bind": bind, "workers": workers, "threads": threads}
        self.scheduler = scheduler
        super().__init__()

    def load_config(self):
        """Set gunicorn's options; motcua reads no gunicorn configuration file."""
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        self.cfg.set("accesslog", "-")
        # gthread, honouring the application's `Connection: close` (see api.http_worker).
        self.cfg.set("worker_class", "api.http_worker.Worker")
        # gunicorn's control socket has one default path per user: two servers on one host
        # would delete each other's. motcua does not use it.
        self.cfg.set("control_socket_disable", True)
        # A forked worker must not reuse connections the master opened.
        self.cfg.set("post_fork", lambda _server, _worker: self.engine.dispose(close=False))

    def load(self):
        """Return the WSGI application."""
        return self.app

    def run(self):
        """Run the master loop until SIGTERM or SIGINT."""
        _Master(self).run()


class _Master(Arbiter):
    """gunicorn's arbiter, also supervising the scheduler process."""

    def __init__(self, server: Server):
        super().__init__(server)
        self.companions = ([SupervisedProcess("due-work scheduler",
                                              motcua_command("worker", "--stop-with-parent"),
                                              log=self.log)]
                           if server.scheduler else [])

    def setup(self, app):
        """Read the configuration, then send the application's logs to gunicorn's error log."""
        super().setup(app)
        log_to(self.log.error_log)

    def start(self):
        """Listen, then start the scheduler before the first worker is forked."""
        super().start()
        for companion in self.companions:
            companion.start()

    def handle_chld(self):
        """Reap the scheduler with a targeted wait before gunicorn's wait for any child does."""
        for companion in self.companions:
            companion.reap()
        super().handle_chld()

    # gunicorn dispatches SIGCHLD by the name SIGCLD, its alias, to this method.
    handle_cld = handle_chld

    def manage_workers(self):
        """Keep the workers and the scheduler running (called at least every second)."""
        super().manage_workers()
        for companion in self.companions:
            companion.keep_running()

    def stop(self, graceful=True):
        """Stop the scheduler alongside the workers; neither outlives the master."""
        for companion in self.companions:
            companion.terminate()
        super().stop(graceful)
        for companion in self.companions:
            companion.stop()


def log_to(error_log: logging.Logger) -> None:
    """Send the application's logs (unhandled errors with their tracebacks) to `error_log`.

    Whatever configured logging earlier in this process (Alembic's `fileConfig` during
    `init` disables every logger that existed before it) is overridden here.
    """
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in APPLICATION_LOGGERS:
            logger.disabled = False
    for name in APPLICATION_LOGGERS:
        logger = logging.getLogger(name)
        logger.disabled = False
        logger.handlers[:] = [_ForwardTo(error_log)]
        logger.setLevel(logging.INFO)
        logger.propagate = False


class _ForwardTo(logging.Handler):
    """Hand each record to another logger, whose handlers gunicorn may swap (on SIGUSR1)."""

    def __init__(self, target: logging.Logger):
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        """Pass the record on."""
        self.target.handle(record)
