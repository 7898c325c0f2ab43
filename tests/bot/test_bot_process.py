"""scripts/run_bot.py as a real process: serves, stops cleanly on SIGTERM, and fails in one line without a token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
