"""Helpers every test folder shares (imported as `support.…`; pytest puts tests/ on sys.path through
tests/conftest.py). Test files never import each other, only this package."""
