"""Log lines as a test reads them."""

from __future__ import annotations

import logging


class Lines(logging.Handler):
    """A handler keeping each record's message, for a test to read back."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
