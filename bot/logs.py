"""Logging that cannot leak secrets: a filter that masks known secret values in every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces each secret value in a record's message (arguments included) with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        text = message
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc_text = record.exc_text or ""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
            exc_text = exc_text.replace(secret, MASK)
        if text != message:
            record.msg, record.args = text, None
        if record.exc_text:
            record.exc_text = exc_text
        return True


def redact_secrets(secrets: Iterable[str]) -> RedactSecrets:
    """Install a ``RedactSecrets`` filter on every handler of the root logger; return it."""
    redactor = RedactSecrets(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
