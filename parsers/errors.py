"""Typed errors of the parsers: callers tell "not a report" from "a report we could not read"."""


class ParseError(Exception):
    """Base of every error a parser raises on bad input; ``str()`` is a one-line reason."""


class NotAReportError(ParseError):
    """The input is not an annual information-disclosure report at all."""
