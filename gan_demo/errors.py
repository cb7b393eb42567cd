"""Refusals the user can act on, as data: a code and its values, put into words (and a language) by the UI.

`gan_demo.ui.text.ERRORS` holds the English and Chinese text of every code; a test checks that none is missing.
"""

from __future__ import annotations


class UserError(ValueError):
    """A bad input from the user: `code` names the text, `values` fill its fields (e.g. name, size, limit)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.values = values
        details = ", ".join(f"{key}={value!r}" for key, value in values.items())
        super().__init__(f"{code} ({details})" if details else code)
