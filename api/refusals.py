"""Document in OpenAPI the refusals an operation gives, all in the one error shape."""

from api.schemas import ErrorSchema

REFUSALS = {
    403: "Your role or department may not do this (error.code not_permitted).",
    404: "Nothing has this id or code.",
    409: "The step or dossier is not in a state that allows this: held by someone else, no "
         "longer open, or changed meanwhile. Reload it and decide again.",
    422: "The body or the form data is invalid: error.details.fields lists each field.",
}


def refusals(blp, *statuses: int):
    """Add the listed 4xx answers to an operation's documented responses."""
    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, schema=ErrorSchema, description=REFUSALS[status],
                                    success=False)(view)
        return view
    return decorate
