"""Running the bot as a service: warm-up, waiting for the Bot API, then long polling or a webhook.

Start-up order, and why:
1. the index (built once if missing) and the model are loaded, and a Chinese and an English
   question are searched, so the dictionaries and tables the first search loads lazily are in
   memory before any user asks (without it the first answer took 3–9 s, the rest well under 1 s);
2. the Bot API is asked who the bot is (getMe), retried with exponential backoff while it cannot
   be reached (a server booting before its network, a Telegram outage), each retry logged, for up
   to `bot_start_timeout` seconds; a rejected token is a configuration error at once;
3. long polling, or with `webhook_url` set python-telegram-bot's webhook server (`run_webhook`),
   which registers the URL with Telegram and rejects requests without the secret token (403).
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.redact import install_redaction, quiet_http_client_logs, redact, secret_forms
from bot.searching import LiveSearcher, SearchBackend
from retrieval.config import ConfigError, Settings
from retrieval.crosslingual.names import chinese_person_names, load_transliteration_characters
from retrieval.service import ensure_index
from retrieval.text import normalize

log = logging.getLogger(__name__)

EXIT_UNREACHABLE = 75  # EX_TEMPFAIL: try again later (systemd's Restart=on-failure does)
WARM_UP_QUESTIONS = ("稀土出口管制何时生效？", "When do the rare earth export controls take effect?")
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
BOOTSTRAP_RETRIES = 5  # deleteWebhook / setWebhook inside python-telegram-bot, right after getMe worked
# Telegram's rule for secret_token: 1–256 characters, A–Z, a–z, 0–9, _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotApiUnreachable(RuntimeError):
    """The Bot API could not be reached within the start-up timeout."""


@dataclass(frozen=True)
class Webhook:
    url: str  # public URL registered with Telegram
    host: str  # where the local server listens
    port: int
    path: str  # the URL's path: the local server answers there only
    secret: str


def webhook_of(settings: Settings) -> Webhook | None:
    """The webhook settings, checked; None for long polling (no webhook_url)."""
    if not settings.webhook_url:
        return None
    parts = urlsplit(settings.webhook_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"NEWSQA_WEBHOOK_URL must be the bot's public https:// URL, not {settings.webhook_url!r}")
    if not settings.webhook_secret:
        # Without it anyone who learns the URL can post updates with any user id, past the allow-list.
        raise ConfigError("webhook mode needs NEWSQA_WEBHOOK_SECRET (1–256 characters: A–Z a–z 0–9 _ -)")
    if not _SECRET.fullmatch(settings.webhook_secret):
        raise ConfigError("NEWSQA_WEBHOOK_SECRET may hold only A–Z a–z 0–9 _ - (1–256 characters)")
    host, _, port = settings.webhook_listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"NEWSQA_WEBHOOK_LISTEN must be host:port (e.g. 127.0.0.1:8080), "
                          f"not {settings.webhook_listen!r}")
    return Webhook(settings.webhook_url, host.strip("[]"), int(port), parts.path or "/", settings.webhook_secret)


def warm_up(backend: SearchBackend, questions: tuple[str, ...] = WARM_UP_QUESTIONS) -> float:
    """Search each question once (loading everything a first search loads); returns seconds taken."""
    started = time.perf_counter()
    for question in questions:
        backend.search(question, 3)
    # The names check (jieba's part-of-speech tagger, 1–1.5 s CPU to load) runs only for a question the
    # search would otherwise answer, so on some corpora neither question above reaches it: measured on
    # the 232 heldout articles, the 4th question after a start took 11.4 s without this.
    chinese_person_names(normalize(WARM_UP_QUESTIONS[0]), load_transliteration_characters())
    return time.perf_counter() - started


async def wait_for_bot_api(get_me: Callable[[], Awaitable[object]], timeout: float, where: str,
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                           clock: Callable[[], float] = time.monotonic) -> int:
    """Call get_me until it succeeds; back off 1, 2, 4 … 30 s between tries while the Bot API cannot be
    reached, for at most `timeout` seconds (then BotApiUnreachable). InvalidToken and other refusals
    are raised at once: retrying cannot fix them. Returns the number of failed tries."""
    started, delay, failures = clock(), FIRST_RETRY_SECONDS, 0
    while True:
        try:
            await get_me()
            if failures:
                log.info("Bot API at %s reachable after %d failed tries", where, failures)
            return failures
        except RetryAfter as error:
            wait, reason = max(float(error.retry_after if isinstance(error.retry_after, int | float)
                                     else error.retry_after.total_seconds()), delay), str(error)
        except BadRequest:
            raise
        except NetworkError as error:  # connection refused, DNS, timeouts, 5xx
            wait, reason = delay, str(error) or type(error).__name__
        failures += 1
        if clock() - started + wait > timeout:
            raise BotApiUnreachable(f"the Bot API at {where} was unreachable for {clock() - started:.0f} s "
                                    f"({failures} tries): {reason}")
        log.warning("Bot API at %s unreachable (%s); try %d again in %.0f s", where, reason, failures + 1, wait)
        await sleep(wait)
        delay = min(delay * 2, MAX_RETRY_SECONDS)


async def _get_me(app: Application) -> None:
    bot = Bot(app.bot.token, base_url=lambda _token: app.bot.base_url)
    try:
        await bot.initialize()  # getMe
    finally:
        await bot.shutdown()


def run_polling(app: Application) -> None:
    """Long polling until SIGINT or SIGTERM; returns after a clean shutdown."""
    app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=(signal.SIGINT, signal.SIGTERM),
                    close_loop=True, bootstrap_retries=BOOTSTRAP_RETRIES)


def run_webhook(app: Application, webhook: Webhook) -> None:
    """Serve Telegram's webhook posts until SIGINT or SIGTERM (registers the URL with setWebhook first)."""
    app.run_webhook(listen=webhook.host, port=webhook.port, url_path=webhook.path, webhook_url=webhook.url,
                    secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES,
                    stop_signals=(signal.SIGINT, signal.SIGTERM), close_loop=True,
                    bootstrap_retries=BOOTSTRAP_RETRIES)


def serve(settings: Settings, log_level: int = logging.INFO) -> int:
    """Configure logging (secrets redacted), load and warm up, wait for the Bot API, serve until stopped.

    Returns 0 after a clean stop, EXIT_UNREACHABLE when the Bot API stayed unreachable; raises
    ConfigError for settings that cannot work (no or rejected token, bad webhook settings).
    """
    if not settings.telegram_token:
        raise ConfigError("no bot token: set TELEGRAM_BOT_TOKEN (or telegram_token in newsqa.toml)")
    install_redaction(settings.telegram_token)
    if settings.webhook_secret:
        install_redaction(settings.webhook_secret)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_client_logs()
    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # one INFO line per webhook post otherwise
    webhook = webhook_of(settings)
    ensure_index(settings, say=log.info, show_progress=False)
    backend = LiveSearcher(settings)
    seconds = warm_up(backend)
    log.info("serving index version %s (%s); warm-up searches took %.0f ms",
             backend.version, settings.index_dir, seconds * 1000)
    app, _ = build_application(settings, backend)
    forms = secret_forms(settings.telegram_token)
    where = redact(settings.telegram_base_url or "api.telegram.org", forms)
    try:
        asyncio.run(wait_for_bot_api(lambda: _get_me(app), settings.bot_start_timeout, where))
        if webhook:
            log.info("webhook mode: listening on %s:%d%s for %s", webhook.host, webhook.port, webhook.path,
                     webhook.url)
            run_webhook(app, webhook)
        else:
            log.info("long polling")
            run_polling(app)
    except InvalidToken:
        raise ConfigError("the Bot API rejected the bot token (TELEGRAM_BOT_TOKEN)") from None
    except BotApiUnreachable as error:
        log.error("%s; giving up (exit %d, for the service manager to restart)", error, EXIT_UNREACHABLE)
        return EXIT_UNREACHABLE
    except TelegramError as error:
        raise ConfigError(f"the Bot API at {where} could not be used: {redact(str(error), forms)}") from None
    log.info("stopped cleanly")
    return 0
