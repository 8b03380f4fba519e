"""The Flask application: the composition root where engine, database and HTTP meet."""

from pathlib import Path

from flask import Flask
from flask_smorest import Api
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from api import (
    auth,
    citizen,
    designer_ui,
    errors,
    formatting,
    i18n,
    input_guard,
    json_numbers,
    lookup_limits,
    request_session,
    response_headers,
    web,
)
from api.config import PROJECT_ROOT, from_environment, stored_secret_key
from api.extensions import db, migrate
from api.schemas import BIG_INTEGER_MAX, ErrorResponsesPlugin, ErrorSchema
from engine import change_signals
from engine.calendar_store import CalendarSource
from engine.context import EngineContext
from engine.deadlines import DeadlineRules
from engine.runtime import ProcessRuntime
from engine.script_engine import create_script_engine
from engine.timing import TIMER_HELPERS
from engine.versions import PublishedForms
from forms import FormCatalog

API_TITLE = "motcua"
API_VERSION = "v1"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application from the environment, with optional config overrides."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # Vietnamese names stay readable in every response
    app.config.update(from_environment())
    app.config.update(_openapi_settings())
    app.config.update(overrides or {})
    if not app.config["MOTCUA_SECRET_KEY"]:
        app.config["MOTCUA_SECRET_KEY"] = stored_secret_key()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
        change_signals.listen(db.engine)
    app.extensions["motcua"] = EngineContext(
        runtime=ProcessRuntime(script_engine=create_script_engine(
            helpers=TIMER_HELPERS, time_limit=app.config["MOTCUA_SCRIPT_TIME_LIMIT"],
            memory_mb=app.config["MOTCUA_SCRIPT_MEMORY_MB"]),
            cache_bytes=int(app.config["MOTCUA_WORKFLOW_CACHE_MB"] * 2**20)),
        # Forms published with procedure versions are looked up when first used.
        forms=FormCatalog(fallback=PublishedForms(lambda: db.session)),
        calendars=CalendarSource(Path(app.config["MOTCUA_WORKFLOWS_DIR"])),
        agency_code=app.config["MOTCUA_AGENCY_CODE"],
        secret_key=app.config["MOTCUA_SECRET_KEY"].encode(),
        rules=DeadlineRules(
            supplement_wait_days=app.config["MOTCUA_SUPPLEMENT_WAIT_DAYS"],
            reminder_lead_hours=app.config["MOTCUA_REMINDER_LEAD_HOURS"]),
    )
    _register_api(app)
    app.register_blueprint(designer_ui.blp)
    app.register_blueprint(citizen.blp)
    app.register_blueprint(web.blp)
    i18n.init_app(app)
    formatting.init_app(app)
    request_session.init_app(app)
    # Authentication first: the body of a request without a valid token is never read.
    auth.init_app(app)
    input_guard.init_app(app)
    json_numbers.init_app(app)
    errors.init_app(app)
    response_headers.init_app(app)
    lookup_limits.init_app(app)
    if app.config["MOTCUA_TRUSTED_PROXIES"]:
        # Only then are X-Forwarded-For and -Proto the proxies' word, not a client's claim:
        # the staff app's cookies are Secure when the proxy says the browser used HTTPS.
        trusted = app.config["MOTCUA_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)
    return app


def _openapi_settings() -> dict:
    return {
        "API_TITLE": API_TITLE,
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A staff token from `motcua user add`."}}},
            "security": [{"bearer": []}],
            "info": {"description": "One-stop-shop case management: procedures run as BPMN "
                                    "models, dossiers move through departments' steps."},
        },
    }


def _register_api(app: Flask) -> None:
    from api import (
        audit,
        calendar,
        catalogue,
        control_sheets,
        departments,
        designer,
        documents,
        dossiers,
        form_list,
        migrations,
        notifications,
        online,
        payments,
        personal_data,
        procedures,
        public,
        reports,
        slips,
        tasks,
        users,
    )
    app.url_map.converters["int"] = _RowId
    api = _Api(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    for module in (procedures, dossiers, documents, tasks, notifications, public, catalogue,
                   calendar, control_sheets, audit, personal_data, users, migrations, reports,
                   designer, departments, form_list, slips, payments, online):
        api.register_blueprint(module.blp)


def _engine_options(config) -> dict:
    """Return the engine options, defaults first, then whatever the config already sets."""
    defaults = {}
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # A connection the server dropped (a restart, a failover) is replaced at checkout
        # instead of failing the request that draws it from the pool.
        defaults["pool_pre_ping"] = True
    return {**defaults, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}


class _Api(Api):
    """flask-smorest's Api, documenting the project's error shape on every operation."""

    ERROR_SCHEMA = ErrorSchema


class _RowId(IntegerConverter):
    """An `<int:...>` route part names a row: past the database's integers it matches nothing."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **{"max": BIG_INTEGER_MAX, **kwargs})


def _tune_sqlite(engine) -> None:
    """Let the embedded database serve a few concurrent requests without 'database is locked'."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
