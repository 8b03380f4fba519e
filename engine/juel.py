"""Translate Camunda's JUEL conditions (`${…}`) that are plain comparisons into Python.

Only what reads the same in both languages is translated: comparisons, `and`/`or`/`not`
(and `&&`, `||`, `!`), `empty`, literals, variable names and dotted access to a variable's
fields. Anything else (method calls, arithmetic, the ternary, brackets) is refused with a
suggestion: its meaning in Camunda depends on Java objects motcua does not have.
"""

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)
    | (?P<operator>==|!=|<=|>=|&&|\|\||<|>|!|\(|\))
    | (?P<other>\S)
    )""", re.VERBOSE)
_WORD_OPERATORS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
                   "and": "and", "or": "or", "not": "not"}
_SYMBOL_OPERATORS = {"&&": "and", "||": "or", "!": "not"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")


class JuelRefused(ValueError):
    """A JUEL expression that is more than a plain comparison."""

    def __init__(self, message: str, suggestion: str):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class Translation:
    """A condition in Python and what it compares: variables and the literals they meet."""

    python: str
    variables: dict[str, list]


def juel_body(text: str) -> str | None:
    """Return what a JUEL expression (`${…}` or `#{…}`) holds between its braces, or None."""
    stripped = text.strip()
    if stripped[:2] in ("${", "#{") and stripped.endswith("}"):
        return stripped[2:-1]
    return None


def is_juel(text: str) -> bool:
    """Tell whether a condition is written in JUEL: `${…}` or `#{…}`."""
    return juel_body(text) is not None


def translate(text: str) -> Translation:
    """Return the Python of a JUEL condition; raise JuelRefused for what is not a comparison."""
    body = juel_body(text) or ""
    if not body.strip():
        raise JuelRefused("the condition is empty", "write the condition, e.g. approved == True")
    parts: list[str] = []
    variables: dict[str, list] = {}
    last_name: str | None = None
    pending_comparison = False
    for match in _TOKEN.finditer(body):
        kind, value = match.lastgroup, match.group(match.lastgroup)
        if kind == "other":
            raise JuelRefused(f"'{value}' is not part of a plain comparison",
                              _suggestion(body))
        if kind == "string":
            literal = repr(_unquote(value))
            parts.append(literal)
            _note(variables, last_name, pending_comparison, _unquote(value))
        elif kind == "number":
            parts.append(value)
            _note(variables, last_name, pending_comparison, float(value) if "." in value
                  else int(value))
        elif kind == "name":
            if value in _WORD_OPERATORS:
                parts.append(_WORD_OPERATORS[value])
                pending_comparison = _WORD_OPERATORS[value] in COMPARISONS
                continue
            if value in _LITERALS:
                parts.append(_LITERALS[value])
                _note(variables, last_name, pending_comparison,
                      {"true": True, "false": False, "null": None}[value])
                continue
            if value == "empty":
                parts.append("not")
                continue
            if match.end() < len(body) and body[match.end():].lstrip().startswith(("(", "[")):
                raise JuelRefused(f"'{value}(…)' calls a method, which only Camunda's Java "
                                  "objects have", _suggestion(body))
            head, *fields = value.split(".")
            parts.append(head + "".join(f"[{field!r}]" for field in fields))
            variables.setdefault(value, [])
            last_name = value
            pending_comparison = False
            continue
        else:
            parts.append(_SYMBOL_OPERATORS.get(value, value))
            pending_comparison = value in COMPARISONS
            continue
        last_name, pending_comparison = None, False
    python = " ".join(parts).replace("( ", "(").replace(" )", ")")
    return Translation(python=python, variables=variables)


def _note(variables: dict, name: str | None, compared: bool, literal) -> None:
    """Remember a literal a variable is compared with: the trial data choose among them."""
    if name is not None and compared and literal not in variables[name]:
        variables[name].append(literal)


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _suggestion(body: str) -> str:
    return ("compute the value in a script task before the gateway and compare it here, e.g. "
            f"'approved == True'; the condition was ${{{body.strip()}}}")
