"""Puts tests/ on the import path, so every test folder reads the references through
tests/reference_text.py."""
