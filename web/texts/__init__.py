"""Texts of the app's features in Chinese and English, one module per feature.

Each module defines ``MESSAGES: dict[str, tuple[str, str]]`` (key -> (Chinese, English));
:mod:`web.i18n` merges them into its catalogue at import.
"""
