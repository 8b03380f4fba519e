"""Flask-Babel: Vietnamese unless the person picks English; times in the calendar's zone."""

from flask import has_request_context, request
from flask_babel import Babel

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_COOKIE = "lang"
TRANSLATIONS_DIR = "translations"


def select_locale() -> str:
    """Pick the locale: the `lang` parameter, then the `lang` cookie, then Accept-Language."""
    if not has_request_context():
        return DEFAULT_LOCALE  # the CLI and background work write Vietnamese
    for chosen in (request.args.get(LOCALE_COOKIE), request.cookies.get(LOCALE_COOKIE)):
        if chosen in LOCALES:
            return chosen
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE)


def init_app(app) -> None:
    """Set up Flask-Babel: the project's catalogues, moments in the working calendar's zone."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIR)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE",
                          app.extensions["motcua"].calendars.zone_name)
    Babel(app, locale_selector=select_locale)
