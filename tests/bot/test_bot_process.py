"""scripts/run_bot.py as a real process: serves, stops cleanly on SIGTERM, and fails in one line without a token."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.bot import TOKEN, shown
from support.paths import ROOT

from bot.testing.standin import BotApiStandIn

RUN_BOT = ROOT / "scripts" / "run_bot.py"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "NEWSQA_"))}
    empty_config = tmp_path / "newsqa.toml"
    empty_config.write_text("", encoding="utf-8")
    env.update(NEWSQA_CONFIG=str(empty_config), PYTHONUNBUFFERED="1", **extra)
    return env


def test_run_bot_answers_then_exits_0_on_sigterm_without_logging_the_token(tmp_path, seed_index):
    with BotApiStandIn(TOKEN) as standin:
        env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=standin.base_url,
                   NEWSQA_INDEX=str(seed_index.index_dir), NEWSQA_MODEL=seed_index.model)
        process = subprocess.Popen([sys.executable, str(RUN_BOT)], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            standin.wait_for(lambda: standin.sent("getUpdates") or process.poll() is not None, timeout=120)
            assert process.poll() is None, process.communicate()
            asked = standin.push_message("贝森特说的12到24个月是什么意思？")
            reply = standin.wait_for(lambda: [c for c in standin.sent("sendMessage")
                                              if c.params["reply_parameters"]["message_id"] == asked], timeout=60)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert "12到24个月" in shown(reply[0]).text
    assert process.returncode == 0, err
    assert "stopped cleanly" in err and "Traceback" not in err
    assert TOKEN not in out + err


@pytest.mark.parametrize("token", [None, "999:wrong-token"])
def test_missing_or_rejected_token_is_a_one_line_error(tmp_path, seed_index, token):
    with BotApiStandIn(TOKEN) as standin:
        extra = {"TELEGRAM_BASE_URL": standin.base_url, "NEWSQA_INDEX": str(seed_index.index_dir),
                 "NEWSQA_MODEL": seed_index.model}
        if token:
            extra["TELEGRAM_BOT_TOKEN"] = token
        done = subprocess.run([sys.executable, str(RUN_BOT)], env=_env(tmp_path, **extra), capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 2
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "Traceback" not in done.stderr
    assert ("TELEGRAM_BOT_TOKEN" in error_lines[0]) and (token is None or token not in done.stderr)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}: {process.poll()=}")


def test_webhook_mode_answers_posts_with_the_secret_and_ignores_a_wrong_one(tmp_path, seed_index):
    port, secret = _free_port(), "Webhook_s3cret-0123"
    public_url = "https://newsqa.example.org/telegram/hook-7f3a"  # the bot listens on this URL's path
    local_url = f"http://127.0.0.1:{port}/telegram/hook-7f3a"
    with BotApiStandIn(TOKEN) as standin:
        env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=standin.base_url,
                   NEWSQA_INDEX=str(seed_index.index_dir), NEWSQA_MODEL=seed_index.model,
                   NEWSQA_WEBHOOK_URL=public_url, NEWSQA_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
                   NEWSQA_WEBHOOK_SECRET=secret)
        process = subprocess.Popen([sys.executable, str(RUN_BOT)], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            standin.wait_for(lambda: standin.webhook or process.poll() is not None, timeout=120)
            assert process.poll() is None, process.communicate()
            _wait_for_port(port, process)

            def update_for(text: str, user_id: int) -> tuple[int, dict]:
                asked = standin.push_message(text, user_id=user_id)
                return asked, next(u for u in standin.state.updates if u.get("message", {}).get("message_id") == asked)

            forged, forged_update = update_for("贝森特说的12到24个月是什么意思？", 31)
            bare, bare_update = update_for("稀土出口管制何时生效？", 32)
            asked, update = update_for("贝森特说的12到24个月是什么意思？", 33)
            statuses = (_post(local_url, forged_update, "wrong-secret"), _post(local_url, bare_update, None))
            posted_at = time.monotonic()
            accepted = _post(local_url, update, secret)
            reply = standin.wait_for(lambda: [c for c in standin.sent("sendMessage")
                                              if c.params["reply_parameters"]["message_id"] == asked], timeout=60)
            print(f"webhook: post → reply {1000 * (reply[0].at - posted_at):.0f} ms")
            time.sleep(1.0)  # time enough for a wrongly accepted update to be answered too
            answered = {c.params["reply_parameters"]["message_id"] for c in standin.sent("sendMessage")}
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert standin.webhook["url"] == public_url and standin.webhook["secret_token"] == secret
    assert statuses == (403, 403) and accepted == 200
    assert "12到24个月" in shown(reply[0]).text
    assert forged not in answered and bare not in answered
    assert not standin.sent("getUpdates")  # webhook mode never polls
    assert process.returncode == 0 and "stopped cleanly" in err, err
    assert TOKEN not in out + err and secret not in out + err


def test_an_unreachable_bot_api_is_retried_with_backoff_then_a_temporary_failure(tmp_path, seed_index):
    closed = f"http://127.0.0.1:{_free_port()}/bot"  # nothing listens there
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=closed, NEWSQA_INDEX=str(seed_index.index_dir),
               NEWSQA_MODEL=seed_index.model, NEWSQA_BOT_START_TIMEOUT="4")
    done = subprocess.run([sys.executable, str(RUN_BOT)], env=env, capture_output=True, text=True, timeout=180)
    retries = [line for line in done.stderr.splitlines() if "unreachable (" in line]
    assert done.returncode == 75, done.stderr  # EX_TEMPFAIL: not 2, the service manager restarts it
    assert len(retries) >= 2 and "try 2 again in 1 s" in retries[0] and "try 3 again in 2 s" in retries[1]
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr
