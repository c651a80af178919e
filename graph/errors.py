"""Errors a user can act on. Messages are Norwegian bokmål and say what and where."""


class UserError(Exception):
    """Bad input or state: shown to the user as one line, never as a traceback."""


class FormatError(UserError):
    """The action-programme text does not follow the expected format."""

    def __init__(self, line: int, message: str, path: str | None = None):
        self.line = line
        self.detail = message
        where = f"{path}, linje {line}" if path else f"linje {line}"
        super().__init__(f"{where}: {message}")


class ValidationFailed(UserError):
    """The graph does not conform to the SHACL shapes; the previous store is kept."""

    def __init__(self, report: str, count: int):
        self.report = report
        self.count = count
        super().__init__(f"Grafen bryter {count} regel(er) i SHACL-formene; forrige versjon beholdes.\n{report}")


# What kind of trouble an error is, independent of how it is shown; api/errors.py maps each
# kind to an HTTP status in one place (NotFound 404, NotReady and Busy 503, Conflict 409).
class NotFound(UserError):
    """The thing asked for does not exist (a node, an actor's list, a generation)."""


class NotReady(UserError):
    """Nothing to serve yet: no graph or no index built."""


class StoreMissing(NotReady):
    """No graph has been built yet (embedded or remote store)."""


class Busy(UserError):
    """Too much work queued; try again shortly (`retry_after` seconds)."""

    retry_after = 1


class Conflict(UserError):
    """The request contradicts what is stored (e.g. an actor name that is already taken)."""
