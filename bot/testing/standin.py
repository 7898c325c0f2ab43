"""A local stand-in of the Telegram Bot API, for end-to-end tests and the benchmark.

It is an HTTP server on 127.0.0.1 (standard library only, in a background thread) that answers the
Bot API methods the bot uses, serves queued updates to long polling (getUpdates), records every call,
and checks sent HTML the way Telegram does: only Telegram's tags, well nested, entities escaped,
at most 4096 characters of text. It lives in the package (not under tests/) because the benchmark
script drives the bot through it too; it imports nothing beyond the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

TELEGRAM_MAX_CHARS = 4096
_JSON_FIELDS = frozenset({"reply_markup", "reply_parameters", "link_preview_options", "commands", "entities",
                          "allowed_updates", "scope", "reaction"})
_INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit"})
_FLOAT_FIELDS = frozenset({"timeout"})
_TELEGRAM_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                            "tg-spoiler", "span", "blockquote", "tg-emoji"})


class TelegramHTMLError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedHTML:
    text: str  # what the user sees
    links: tuple[tuple[str, str], ...]  # (href, link text)
    bold: tuple[str, ...]  # texts shown in bold


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, str | None, int]] = []  # tag, href, start offset in text
        self.links: list[tuple[str, str]] = []
        self.bold: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _TELEGRAM_TAGS:
            raise TelegramHTMLError(f"Unsupported start tag \"{tag}\"")
        self.open.append((tag, dict(attrs).get("href"), len("".join(self.parts))))

    def handle_endtag(self, tag):
        if not self.open or self.open[-1][0] != tag:
            raise TelegramHTMLError(f"Unmatched end tag \"{tag}\"")
        _, href, start = self.open.pop()
        inner = "".join(self.parts)[start:]
        if tag == "a":
            self.links.append((href or "", inner))
        elif tag in ("b", "strong"):
            self.bold.append(inner)

    def handle_data(self, data):
        self.parts.append(data)


def parse_telegram_html(message: str) -> ParsedHTML:
    """Parse HTML as Telegram's HTML parse mode would, raising TelegramHTMLError where Telegram refuses."""
    for index, char in enumerate(message):
        if char == "&":
            tail = message[index:index + 12]
            if not any(tail.startswith(e) for e in ("&lt;", "&gt;", "&amp;", "&quot;", "&#")):
                raise TelegramHTMLError(f"unescaped '&' at offset {index}")
        if char == "<" and not (message[index + 1:index + 2].isalpha() or message[index + 1:index + 2] == "/"):
            raise TelegramHTMLError(f"unescaped '<' at offset {index}")
    parser = _TelegramHTML()
    parser.feed(message)
    parser.close()
    if parser.open:
        raise TelegramHTMLError(f"Can't find end tag corresponding to start tag \"{parser.open[-1][0]}\"")
    text = "".join(parser.parts)
    if not text.strip():
        raise TelegramHTMLError("message text is empty")
    return ParsedHTML(text, tuple(parser.links), tuple(parser.bold))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict
    at: float  # time.monotonic() when the call arrived


class ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None


@dataclass
class StandInState:
    updates: list[dict] = field(default_factory=list)  # served until confirmed by a getUpdates offset
    offered_at: dict[int, float] = field(default_factory=dict)  # update_id → when it was queued
    update_of_message: dict[int, int] = field(default_factory=dict)  # pushed message_id → its update_id
    messages: dict[tuple[int, int], dict] = field(default_factory=dict)  # (chat, message_id) → message
    confirmed_offset: int = 0


class BotApiStandIn:
    """Use as a context manager; `base_url` goes to python-telegram-bot's ApplicationBuilder.base_url."""

    def __init__(self, token: str, bot_username: str = "newsqa_test_bot", bot_id: int = 777000111,
                 max_poll_seconds: float = 1.0):
        self.token = token
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "NewsQA", "username": bot_username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.max_poll_seconds = max_poll_seconds
        self.calls: list[ApiCall] = []
        self.state = StandInState()
        self.commands: dict[str, list] = {}
        self.webhook: dict = {}  # the last setWebhook's parameters (url, secret_token, ...); {} when none
        self._chats: dict[int, _Chat] = {}
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> BotApiStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                standin._serve(self)

            do_GET = do_POST

            def log_message(self, format, *args):  # the default writes URLs (with the token) to stderr
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="bot-api-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # -- pushing updates ----------------------------------------------------------------------------

    def _user(self, user_id: int, language_code: str | None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat_dict(self, chat: _Chat) -> dict:
        out = {"id": chat.id, "type": chat.type}
        if chat.title:
            out["title"] = chat.title
        return out

    def _queue(self, update: dict) -> int:
        with self._cond:
            update_id = next(self._update_ids)
            update["update_id"] = update_id
            self.state.updates.append(update)
            self.state.offered_at[update_id] = time.monotonic()
            self._cond.notify_all()
        return update_id

    def push_message(self, text: str, user_id: int = 1001, chat_id: int | None = None, chat_type: str = "private",
                     language_code: str | None = "en", edited: bool = False, date: int | None = None) -> int:
        """Queue a text message update (command and mention entities filled in); return its message_id.

        date: when the user sent it (Unix seconds, as Telegram gives it); default now.
        """
        chat_id = user_id if chat_id is None else chat_id
        chat = self._chats.setdefault(chat_id, _Chat(chat_id, chat_type,
                                                     None if chat_type == "private" else f"Group {chat_id}"))
        message_id = next(self._message_ids)
        message = {"message_id": message_id, "date": int(time.time()) if date is None else date,
                   "chat": self._chat_dict(chat), "from": self._user(user_id, language_code), "text": text}
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        with self._cond:
            self.state.messages[(chat_id, message_id)] = message
        update_id = self._queue({"edited_message" if edited else "message": message})
        with self._cond:
            self.state.update_of_message[message_id] = update_id
        return message_id

    def offered_at(self, message_id: int) -> float:
        """When the update carrying a pushed message was queued for long polling (time.monotonic())."""
        with self._cond:
            return self.state.offered_at[self.state.update_of_message[message_id]]

    def push_callback(self, data: str, message_id: int, chat_id: int, user_id: int = 1001,
                      language_code: str | None = "en") -> str:
        """Queue a press on an inline button of a message the bot sent; return the callback query id."""
        with self._cond:
            message = dict(self.state.messages[(chat_id, message_id)])
        callback_id = f"cb{next(self._callback_ids)}"
        self._queue({"callback_query": {"id": callback_id, "from": self._user(user_id, language_code),
                                        "chat_instance": f"ci{chat_id}", "data": data, "message": message}})
        return callback_id

    # -- reading what the bot did -------------------------------------------------------------------

    def sent(self, *methods: str) -> list[ApiCall]:
        with self._cond:
            return [call for call in self.calls if not methods or call.method in methods]

    def message(self, chat_id: int, message_id: int) -> dict:
        with self._cond:
            return dict(self.state.messages[(chat_id, message_id)])

    def wait_for(self, predicate: Callable[[], object], timeout: float = 30.0) -> object:
        """Block until predicate() is truthy (returning it); AssertionError after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"stand-in: condition not met within {timeout} s; calls: "
                                         f"{[c.method for c in self.calls][-20:]}")
                self._cond.wait(min(remaining, 0.05))

    async def wait_for_async(self, predicate: Callable[[], object], timeout: float = 30.0) -> object:
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    # -- serving ------------------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        prefix = f"/bot{self.token}/"
        try:
            if not request.path.startswith(prefix):
                raise ApiError(401, "Unauthorized")
            method = request.path[len(prefix):].split("?")[0]
            params = _decode_params(request.headers.get("Content-Type", ""), body)
            with self._cond:
                self.calls.append(ApiCall(method, params, time.monotonic()))
                self._cond.notify_all()
            result = self._dispatch(method, params)
            payload, status = {"ok": True, "result": result}, 200
        except ApiError as error:
            payload, status = {"ok": False, "error_code": error.code, "description": error.description}, error.code
        except Exception as error:  # a stand-in bug must show up as a failed call, not a dropped connection
            payload, status = {"ok": False, "error_code": 500, "description": f"stand-in: {error!r}"}, 500
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        with contextlib.suppress(OSError):  # the client may have gone away (shutdown mid long-poll)
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)

    def _dispatch(self, method: str, params: dict) -> object:
        simple = {"answerCallbackQuery": True, "setMessageReaction": True,
                  "sendChatAction": True, "close": True, "logOut": True, "deleteMyCommands": True}
        if method == "getMe":
            return self.bot_user
        if method == "setWebhook":
            if not str(params.get("url", "")).startswith(("https://", "http://")):
                raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
            with self._cond:
                self.webhook = dict(params)
            return True
        if method == "deleteWebhook":
            with self._cond:
                self.webhook = {}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        if method == "editMessageText":
            return self._edit_message_text(params)
        if method == "setMyCommands":
            self.commands[params.get("language_code", "")] = params.get("commands", [])
            return True
        if method == "getMyCommands":
            return self.commands.get(params.get("language_code", ""), [])
        if method in simple:
            return simple[method]
        raise ApiError(404, "Not Found")

    def _get_updates(self, params: dict) -> list[dict]:
        offset, limit = int(params.get("offset", 0) or 0), int(params.get("limit", 100) or 100)
        wait = min(float(params.get("timeout", 0) or 0), self.max_poll_seconds)
        deadline = time.monotonic() + wait
        with self._cond:
            if offset:
                self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
                self.state.confirmed_offset = max(self.state.confirmed_offset, offset)
            while not self.state.updates and not self._closing and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self.state.updates[:limit])

    def _check_text(self, params: dict) -> tuple[str, ParsedHTML | None]:
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            try:
                parsed = parse_telegram_html(text)
            except TelegramHTMLError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
            visible = parsed.text
        else:
            parsed, visible = None, text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(visible) > TELEGRAM_MAX_CHARS:
            raise ApiError(400, "Bad Request: message is too long")
        return visible, parsed

    def _send_message(self, params: dict) -> dict:
        visible, _ = self._check_text(params)
        chat_id = int(params["chat_id"])
        with self._cond:
            chat = self._chats.setdefault(chat_id, _Chat(chat_id, "private" if chat_id > 0 else "group"))
            message = {"message_id": next(self._message_ids), "date": int(time.time()),
                       "chat": self._chat_dict(chat), "from": self.bot_user, "text": visible}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            reply_to = (params.get("reply_parameters") or {}).get("message_id")
            if reply_to is not None and (chat_id, int(reply_to)) in self.state.messages:
                message["reply_to_message"] = self.state.messages[(chat_id, int(reply_to))]
            self.state.messages[(chat_id, message["message_id"])] = message
            return message

    def _edit_message_text(self, params: dict) -> dict:
        visible, _ = self._check_text(params)
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            if key not in self.state.messages:
                raise ApiError(400, "Bad Request: message to edit not found")
            message = dict(self.state.messages[key])
            markup = params.get("reply_markup")
            if message.get("text") == visible and message.get("reply_markup") == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message["text"] = visible
            message["edit_date"] = int(time.time())
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            self.state.messages[key] = message
            return message


def _decode_params(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if content_type.startswith("application/x-www-form-urlencoded"):
        params: dict = {}
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            if key in _JSON_FIELDS:
                params[key] = json.loads(value)
            elif key in _INT_FIELDS:
                params[key] = int(value)
            elif key in _FLOAT_FIELDS:
                params[key] = float(value)
            else:
                params[key] = value
        return params
    raise ApiError(400, f"Bad Request: unsupported content type {content_type!r}")


def _entities(text: str) -> list[dict]:
    """Telegram's bot_command and mention entities (offsets in UTF-16 code units, as Telegram counts)."""
    entities = []
    for index, word in _words(text):
        if index == 0 and word.startswith("/") and len(word) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(word)})
        elif word.startswith("@") and len(word) > 1:
            entities.append({"type": "mention", "offset": _utf16_len(text[:index]), "length": _utf16_len(word)})
    return entities


def _words(text: str) -> list[tuple[int, str]]:
    words, start = [], None
    for index, char in enumerate(text + " "):
        if char.isspace():
            if start is not None:
                words.append((start, text[start:index]))
                start = None
        elif start is None:
            start = index
    return words

