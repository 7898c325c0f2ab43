"""The NewsQA Telegram bot: application builder, handlers, error handler, and the long-polling entry.

Flow of a question: allow-list gate → per-user (and per-group) throttle → language → search in a
thread pool (never on the event loop) → one page of passages as escaped Telegram HTML, with
Back/More buttons that edit the message in place. Results are kept in a small in-memory cache for
paging; a button on results older than the cache says so and asks for the question again.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.delivery import RetryingRequest
from bot.i18n import Language, detect_language, is_greeting, text
from bot.questions import MAX_TRACKED_USERS, QuestionStats, format_duration, log_question, user_hasher
from bot.render import in_article_order, page_count, render_page
from bot.searching import CorpusFacts, SearchBackend
from bot.throttle import Limit, Throttle, Verdict
from retrieval.config import ConfigError, Settings
from retrieval.records import Hit

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
_PAGE_PREFIX = "p"
USER_LIMIT = Limit(burst=4, refill_seconds=3.0)  # 4 questions back to back, then ~20 a minute
# Per group chat, on top of the per-user limit: stays under Telegram's 20 messages a minute per group.
GROUP_LIMIT = Limit(burst=6, refill_seconds=6.0)


@dataclass(frozen=True)
class BotOptions:
    page_size: int = 3
    max_pages: int = 4  # hits fetched per question = page_size * max_pages
    user_limit: Limit = USER_LIMIT
    group_limit: Limit = GROUP_LIMIT
    max_question_chars: int = 500
    search_workers: int = 2
    concurrent_updates: int | bool = 64  # False: one update at a time, in order
    cached_results: int = 2000
    telegram_rate_limits: bool = True  # AIORateLimiter: Telegram's global and per-group flood limits


@dataclass(frozen=True)
class _Results:
    question: str
    language: Language
    hits: tuple[Hit, ...]


@dataclass
class NewsQABot:
    """Handlers and their state; `register` wires them into an Application."""

    backend: SearchBackend
    options: BotOptions = field(default_factory=BotOptions)
    allowed_user_ids: frozenset[int] = frozenset()
    allowed_chat_ids: frozenset[int] = frozenset()
    clock: Callable[[], float] = time.time  # wall clock, comparable with Telegram's message dates
    stats: Counter = field(default_factory=Counter)  # outcomes, read by the benchmark
    admin_user_ids: frozenset[int] = frozenset()  # may use /stats; admitted whatever the allow-lists say
    hash_user: Callable[[int | None], str] = field(default=user_hasher(""), repr=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.clock)
        self.questions = QuestionStats(self.clock)
        self.executor = ThreadPoolExecutor(max_workers=self.options.search_workers, thread_name_prefix="search")
        self._results: OrderedDict[str, _Results] = OrderedDict()

    # -- wiring -------------------------------------------------------------------------------------

    def register(self, app: Application) -> None:
        only_new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        app.add_handler(CommandHandler(["start", "help"], self.on_help, filters=only_new))
        app.add_handler(CommandHandler("about", self.on_about, filters=only_new))
        app.add_handler(CommandHandler("ask", self.on_ask, filters=only_new))
        app.add_handler(CommandHandler("stats", self.on_stats, filters=only_new))
        app.add_handler(MessageHandler(only_new & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                       self.on_private_text))
        mentioned = filters.Entity(MessageEntity.MENTION) | filters.Entity(MessageEntity.TEXT_MENTION)
        app.add_handler(MessageHandler(only_new & filters.ChatType.GROUPS & filters.TEXT & mentioned,
                                       self.on_group_mention))
        app.add_handler(MessageHandler(only_new & filters.ChatType.PRIVATE & filters.COMMAND, self.on_help))
        app.add_handler(CallbackQueryHandler(self.on_page, pattern=rf"^{_PAGE_PREFIX}:"))
        app.add_handler(CallbackQueryHandler(self.on_unknown_button))  # tampered or foreign data: answered too
        app.add_error_handler(self.on_error)

    # -- the gate: allow-list ------------------------------------------------------------------------

    def is_allowed(self, update: Update) -> bool:
        if not self.allowed_user_ids and not self.allowed_chat_ids:
            return True
        user, chat = update.effective_user, update.effective_chat
        return bool((user and user.id in self.allowed_user_ids | self.admin_user_ids)
                    or (chat and chat.id in self.allowed_chat_ids))

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.is_allowed(update):
            return
        self.stats["refused"] += 1
        language = _language_of(update)
        if update.callback_query:
            await update.callback_query.answer(text(language, "refused"), show_alert=True)
        elif (update.message and _addressed_to_bot(update.message, context.bot.username, context.bot.id)
              and self.throttle.check(self._throttle_keys(update), self._sent_at(update)).verdict is Verdict.ALLOW):
            await update.message.reply_text(text(language, "refused"))
        raise ApplicationHandlerStop

    # -- throttle --------------------------------------------------------------------------------------

    async def _admitted(self, update: Update, language: Language) -> bool:
        """Spend a throttle token; on a flood send one 'slow down' and then stay quiet."""
        decision = self.throttle.check(self._throttle_keys(update), self._sent_at(update))
        if decision.verdict is Verdict.ALLOW:
            return True
        if decision.verdict is Verdict.NOTIFY and update.effective_message:
            self.stats["throttled_notified"] += 1
            seconds = max(1, round(decision.retry_after))
            await update.effective_message.reply_text(text(language, "slow_down", seconds=seconds))
        else:
            self.stats["throttled_dropped"] += 1
        return False

    def _sent_at(self, update: Update) -> float:
        """When the user acted: the message's date, so a flood is a flood however long it waited in line."""
        message = update.message
        return message.date.timestamp() if message and message.date else self.clock()

    def _throttle_keys(self, update: Update) -> list:
        keyed: list = []
        if update.effective_user:
            keyed.append((("user", update.effective_user.id), self.options.user_limit))
        chat = update.effective_chat
        if chat and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            keyed.append((("chat", chat.id), self.options.group_limit))
        return keyed

    # -- commands ------------------------------------------------------------------------------------------

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = _language_of(update, use_text=False)
        if await self._admitted(update, language):
            await update.effective_message.reply_text(text(language, "help"))
            self.stats["help"] += 1

    async def on_about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = _language_of(update, use_text=False)
        if not await self._admitted(update, language):
            return
        facts = await asyncio.get_running_loop().run_in_executor(self.executor, self.backend.facts)
        await update.effective_message.reply_text(text(
            language, "about", articles=f"{facts.articles:,}", passages=f"{facts.passages:,}",
            built_at=html.escape(facts.built_at), model=html.escape(facts.model)))
        self.stats["about"] += 1

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Usage numbers since start, for the admins only; to anyone else /stats is an unknown command."""
        user = update.effective_user
        if not user or user.id not in self.admin_user_ids:
            if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
                await self.on_help(update, context)
            return
        language = _language_of(update, use_text=False)
        facts = await asyncio.get_running_loop().run_in_executor(self.executor, self.backend.facts)
        await update.effective_message.reply_text(self.stats_text(language, facts))
        self.stats["stats"] += 1

    def stats_text(self, language: Language, facts: CorpusFacts) -> str:
        q = self.questions
        languages = ", ".join(f"{name} {count}" for name, count in q.languages.most_common()) or "–"
        p50, p95 = q.latency_percentile(50), q.latency_percentile(95)
        users = f"≥{len(q.users)}" if len(q.users) >= MAX_TRACKED_USERS else str(len(q.users))
        since = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(q.started_at))
        throttled = self.stats["throttled_notified"] + self.stats["throttled_dropped"] + self.stats["throttled_pages"]
        return text(language, "stats", since=since, uptime=format_duration(self.clock() - q.started_at),
                    questions=q.questions, users=users, answered=q.outcomes["answered"],
                    no_answer=q.outcomes["no_answer"], greetings=q.outcomes["greeting"],
                    languages=html.escape(languages), p50="–" if p50 is None else f"{p50:.0f}",
                    p95="–" if p95 is None else f"{p95:.0f}", samples=len(q.latencies_ms), throttled=throttled,
                    refused=self.stats["refused"], errors=self.stats["errors"], version=html.escape(facts.version),
                    articles=f"{facts.articles:,}", passages=f"{facts.passages:,}")

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer(update, " ".join(context.args or []))

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer(update, update.message.text or "")

    async def on_group_mention(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if not _mentions_bot(message, context.bot.username, context.bot.id):
            return  # someone else was mentioned: not our business
        question = message.text or ""
        for entity, value in message.parse_entities([MessageEntity.MENTION]).items():
            if entity.type == MessageEntity.MENTION and value.lower() == f"@{context.bot.username}".lower():
                question = question.replace(value, " ")
        await self.answer(update, " ".join(question.split()))

    # -- answering --------------------------------------------------------------------------------------------

    async def answer(self, update: Update, question: str) -> None:
        started = time.perf_counter()
        message = update.effective_message
        question = question.strip()
        user = update.effective_user
        language = detect_language(question, user.language_code if user else None)
        if not await self._admitted(update, language):
            return
        outcome, hits = await self._reply(message, question, language)
        log_question(self.questions, language=language, outcome=outcome, hits=hits,
                     latency_ms=(time.perf_counter() - started) * 1000.0,
                     user=self.hash_user(user.id if user else None),
                     chat_type=update.effective_chat.type if update.effective_chat else "-", question=question)

    async def _reply(self, message: Message, question: str, language: Language) -> tuple[str, int]:
        """Answer one admitted question; returns (outcome, hits shown) for the log line."""
        if not question:
            await message.reply_text(text(language, "ask_usage"))
            return "empty", 0
        if len(question) > self.options.max_question_chars:
            await message.reply_text(text(language, "too_long", limit=self.options.max_question_chars))
            return "too_long", 0
        if is_greeting(question):
            await message.reply_text(text(language, "greeting"))
            self.stats["greeting"] += 1
            return "greeting", 0
        top_k = self.options.page_size * self.options.max_pages
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.executor, self.backend.search, question, top_k)
        if not result.answered or not result.hits:
            await message.reply_text(text(language, "no_answer"))
            self.stats["no_answer"] += 1
            return "no_answer", 0
        hits = in_article_order(result.hits)
        key = self._remember(_Results(question, language, hits))
        await message.reply_text(render_page(hits, 0, self.options.page_size, language, question),
                                 reply_markup=self._keyboard(key, 0, len(hits), language))
        self.stats["answered"] += 1
        return "answered", len(hits)

    def _remember(self, results: _Results) -> str:
        key = secrets.token_hex(6)
        self._results[key] = results
        while len(self._results) > self.options.cached_results:
            self._results.popitem(last=False)
        return key

    def _keyboard(self, key: str, page: int, total: int, language: Language) -> InlineKeyboardMarkup | None:
        pages = page_count(total, self.options.page_size)
        buttons = []
        if page > 0:
            buttons.append(InlineKeyboardButton(text(language, "back"), callback_data=_page_data(key, page - 1)))
        if page + 1 < pages:
            buttons.append(InlineKeyboardButton(text(language, "more"), callback_data=_page_data(key, page + 1)))
        return InlineKeyboardMarkup([buttons]) if buttons else None

    async def on_page(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        parts = (query.data or "").split(":")
        key, page_text = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
        results = self._results.get(key)
        language = results.language if results else _language_of(update, use_text=False)
        decision = self.throttle.check(self._throttle_keys(update))
        if decision.verdict is not Verdict.ALLOW:
            # A callback must be answered either way; the answer is a toast, never a chat message.
            self.stats["throttled_pages"] += 1
            await query.answer(text(language, "slow_down", seconds=max(1, round(decision.retry_after))))
            return
        page = int(page_text) if page_text.isascii() and page_text.isdigit() else -1  # '²'.isdigit() too
        if results is None or not 0 <= page < page_count(len(results.hits), self.options.page_size):
            await query.answer(text(language, "expired"), show_alert=True)
            return
        self._results.move_to_end(key)
        try:
            await query.edit_message_text(render_page(results.hits, page, self.options.page_size, language,
                                                      results.question),
                                          reply_markup=self._keyboard(key, page, len(results.hits), language))
        except BadRequest as error:
            if "not modified" not in str(error).lower():  # a double tap on the same button is harmless
                raise
        await query.answer()
        self.stats["pages"] += 1

    async def on_unknown_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer(text(_language_of(update, use_text=False), "expired"), show_alert=True)

    # -- errors --------------------------------------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        self.stats["errors"] += 1
        if not isinstance(update, Update):
            return
        language = _language_of(update)
        try:
            if update.callback_query:
                await update.callback_query.answer(text(language, "error"), show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(text(language, "error"))
        except TelegramError as error:
            log.warning("could not tell the user about the error: %s", error)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# -- helpers ----------------------------------------------------------------------------------------------


def _page_data(key: str, page: int) -> str:
    return f"{_PAGE_PREFIX}:{key}:{page}"


def _language_of(update: Update, use_text: bool = True) -> Language:
    message_text = update.effective_message.text if (use_text and update.effective_message) else None
    if message_text and message_text.startswith("/"):
        message_text = message_text.partition(" ")[2]  # the command word itself is always Latin
    code = update.effective_user.language_code if update.effective_user else None
    return detect_language(message_text, code)


def _mentions_bot(message: Message, username: str | None, bot_id: int | None) -> bool:
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
        if entity.type == MessageEntity.MENTION and username and value.lower() == f"@{username}".lower():
            return True
    return False


def _addressed_to_bot(message: Message, username: str | None, bot_id: int | None = None) -> bool:
    """A private message, a command, or a mention: what the bot may answer (or refuse) without intruding."""
    if message.chat.type == ChatType.PRIVATE or (message.text and message.text.startswith("/")):
        return True
    return _mentions_bot(message, username, bot_id)


# -- building and running ---------------------------------------------------------------------------------


def bot_commands(language: Language) -> list[BotCommand]:
    return [BotCommand("ask", text(language, "cmd_ask")), BotCommand("help", text(language, "cmd_help")),
            BotCommand("about", text(language, "cmd_about"))]


def build_application(settings: Settings, backend: SearchBackend, options: BotOptions | None = None,
                      clock: Callable[[], float] = time.time) -> tuple[Application, NewsQABot]:
    """The configured Application (not started) and the NewsQABot whose handlers it runs."""
    if not settings.telegram_token:
        raise ConfigError("no bot token: set TELEGRAM_BOT_TOKEN (or telegram_token in newsqa.toml)")
    options = options or BotOptions()
    newsqa = NewsQABot(backend, options, frozenset(settings.allowed_user_ids),
                       frozenset(settings.allowed_chat_ids), clock, admin_user_ids=frozenset(settings.admin_user_ids),
                       hash_user=user_hasher(settings.telegram_token))

    async def post_init(app: Application) -> None:
        await app.bot.set_my_commands(bot_commands("en"))
        await app.bot.set_my_commands(bot_commands("zh-Hans"), language_code="zh")

    async def post_shutdown(app: Application) -> None:
        newsqa.close()

    builder = (ApplicationBuilder().token(settings.telegram_token)
               .defaults(Defaults(parse_mode=ParseMode.HTML, do_quote=True,
                                  link_preview_options=LinkPreviewOptions(is_disabled=True)))
               .concurrent_updates(options.concurrent_updates)
               .request(RetryingRequest(connection_pool_size=256))  # 5xx, malformed replies retried: bot/delivery.py
               .post_init(post_init).post_shutdown(post_shutdown))
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if options.telegram_rate_limits:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    newsqa.register(app)
    return app, newsqa


@contextlib.asynccontextmanager
async def polling(app: Application, poll_timeout: float = 1.0):
    """Run the application's long polling inside an existing event loop (tests, benchmark)."""
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
