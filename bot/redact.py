"""Keep the bot token out of every log line, whichever library logs it and whichever handler prints it.

The HTTP client logs request URLs, and Bot API URLs contain the token; python-telegram-bot itself
logs its base URL at DEBUG. A filter on one handler or logger would miss records that reach other
handlers, so the redaction sits in the log record factory: every record is cleaned as it is made,
before any handler (ours, pytest's, a deployment's) sees it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from urllib.parse import quote

REDACTED = "<redacted>"


def secret_forms(secret: str) -> list[str]:
    """The secret as written and as it appears URL-encoded (the token's ':' becomes %3A)."""
    forms = {secret, quote(secret, safe=""), quote(secret)}
    return sorted((form for form in forms if form), key=len, reverse=True)


def redact(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


def _clean_record(record: logging.LogRecord, forms: list[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call must not turn into a crash here
        message = str(record.msg)
    if any(form in message for form in forms):
        record.msg, record.args = redact(message, forms), None
    if record.exc_info and record.exc_info[0] is not None:
        # Format the traceback now and drop the live exception, so no handler formats it unredacted.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"), forms)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text, forms)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, forms)


def install_redaction(secret: str) -> Callable[[], None]:
    """Redact `secret` from all log records made from now on; returns a function that undoes it."""
    forms = secret_forms(secret)
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _clean_record(record, forms)
        return record

    logging.setLogRecordFactory(factory)

    def uninstall() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return uninstall


def quiet_http_client_logs() -> None:
    """The HTTP client logs one INFO line per request (with the token in the URL): keep it to warnings."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
