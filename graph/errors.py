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
