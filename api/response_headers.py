"""Headers every response carries, whatever view produced it."""

# Browsers must not second-guess a response's type: a JSON error or an exported CSV that
# happens to contain markup is never rendered as a page.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    """Add the security headers to every response."""
    app.after_request(_add_security_headers)
