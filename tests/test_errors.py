"""Typed errors: every code raised anywhere has English and Chinese text, and reaches the user translated."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from gan_demo.errors import UserError
from gan_demo.ui.text import ERRORS, NOTES, Label, user_errors

PACKAGE = Path(__file__).resolve().parent.parent / "gan_demo"


def raised_codes() -> dict[str, str]:
    """Every code a `UserError(...)` call in gan_demo can raise (both arms of a conditional), with its file."""
    codes = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UserError":
                first = node.args[0]
                arms = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                for arm in arms:
                    assert isinstance(arm, ast.Constant), f"{path.name}:{node.lineno}: the code must be a literal"
                    codes[arm.value] = path.name
    return codes


def test_every_raised_code_has_english_and_chinese_text() -> None:
    codes = raised_codes()
    assert len(codes) > 20  # the scan found the raises (imaging, ops, the checks and the tabs)
    assert {"too_large", "unreadable", "too_small_known", "out_of_range", "wrong_tab"} <= set(codes)
    for code, where in codes.items():
        assert code in ERRORS, f"{where} raises {code!r}, which has no text in gan_demo.ui.text.ERRORS"
        en, zh = ERRORS[code]
        assert en.strip() and zh.strip() and en != zh, code


def test_every_upload_note_has_english_and_chinese_text() -> None:
    for code in ("upload_animated", "upload_exif", "upload_16_bit", "upload_32_bit", "upload_cmyk"):
        en, zh = NOTES[code]
        assert en.strip() and zh.strip() and en != zh


def test_a_user_error_reaches_the_user_in_the_requests_language() -> None:
    @user_errors
    def handler(value: int, request: gr.Request) -> int:
        raise UserError("out_of_range", name=Label("seed"), low=0, high=9, value=value)

    with pytest.raises(gr.Error) as refused:
        handler(12, request=None)
    assert refused.value.message == "Seed must be between 0 and 9, got 12."
    with pytest.raises(gr.Error) as refused:
        handler(12, request=SimpleNamespace(headers={"accept-language": "zh-CN"}))
    assert refused.value.message.startswith("随机种子必须在 0 到 9 之间")


def test_an_unknown_code_is_not_passed_through() -> None:
    @user_errors
    def handler(request: gr.Request) -> None:
        raise UserError("no_such_code")

    with pytest.raises(KeyError, match="no_such_code"):
        handler(request=None)
