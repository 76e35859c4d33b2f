"""Expected failures. The CLI turns each into one `error` event and an exit code, never a traceback."""


class EngineError(Exception):
    """A failure the user can fix; `code` is the error event's code, `field` the dotted config path at fault."""

    code = "runtime"
    exit_code = 1

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigError(EngineError):
    code = "config"
    exit_code = 2


class DataError(EngineError):
    code = "data"
    exit_code = 1
