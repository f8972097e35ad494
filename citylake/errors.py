"""Errors a user can act on.

Every error here carries one sentence that says what to fix; the CLI prints it
without a stack trace. Anything else that escapes is a bug and keeps its trace.
"""


class CitylakeError(Exception):
    """A problem the user can fix (bad input, bad settings, a missing service)."""


class ConfigError(CitylakeError):
    """A setting is wrong or something it points to is missing."""
