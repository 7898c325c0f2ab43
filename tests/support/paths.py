"""Where the test data lives: the checkout, its seed articles, the shared corpora and dev set."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SCRIPTS = ROOT / "scripts"
SHARED = ROOT.parent / "shared"
DEV_QA = SHARED / "eval" / "dev_qa.jsonl"
