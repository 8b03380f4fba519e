"""Languages of the pages: Vietnamese first, English on request (Flask-Babel).

Message ids are the Vietnamese text; api/translations/en holds the English catalogue,
compiled by `make install`. The locale is the one the person picked (`?lang=`, then kept in
the `lang` cookie), else English only when the browser prefers it, else Vietnamese. Moments
are shown in the working calendar's zone.
"""

from flask import has_request_context, request
from flask_babel import Babel

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
TRANSLATIONS_DIR = "translations"


def chosen_locale() -> str | None:
    """Return the locale the request picks with `?lang=` or the `lang` cookie, if any."""
    for chosen in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LOCALES:
            return chosen
    return None


def select_locale() -> str:
    """Return the locale of this request; the CLI and background work write Vietnamese."""
    if not has_request_context():
        return DEFAULT_LOCALE
    return chosen_locale() or request.accept_languages.best_match(LOCALES,
                                                                  default=DEFAULT_LOCALE)


def _remember_choice(response):
    picked = request.args.get("lang")
    if picked in LOCALES and request.cookies.get(LANG_COOKIE) != picked:
        response.set_cookie(LANG_COOKIE, picked, max_age=LANG_COOKIE_SECONDS, path="/",
                            samesite="Lax", secure=request.is_secure, httponly=True)
    return response


def init_app(app) -> None:
    """Set up Flask-Babel and keep a language picked with `?lang=` in a cookie."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIR)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE",
                          app.extensions["motcua"].calendars.zone_name)
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
