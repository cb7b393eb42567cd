"""Command-line options generated from a config dataclass, and recipes: JSON files of those options.

A recipe (e.g. checkpoints/<name>/recipe.json) is a JSON object whose keys are the dataclass's field names;
`--config recipe.json` reads it, and flags given on the command line override it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples' line breaks and shows every default that is set."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return action.help if action.default is None else super()._get_help_string(action)


def options_parser(
    config: type,
    description: str | None,
    help: dict[str, str],
    *,
    choices: dict[str, tuple[str, ...]] | None = None,
    default_text: Callable[[str], str | None] = lambda name: None,
) -> argparse.ArgumentParser:
    """One --flag per field of the dataclass `config` (with --config for a recipe); `default_text(name)` may
    describe a default the field does not hold itself (e.g. one per training family)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=HelpFormatter)
    parser.add_argument("--config", default=None, help="a recipe: a JSON file of these options (flags override it)")
    hints = typing.get_type_hints(config)
    for field in dataclasses.fields(config):
        flag = "--" + field.name.replace("_", "-")
        text = help.get(field.name, "")
        if (shown := default_text(field.name)) is not None:
            text = f"{text} (default: {shown})"
        kind = hints[field.name]
        if kind is bool:
            parser.add_argument(flag, action="store_true", help=text)
            continue
        if isinstance(kind, types.UnionType):  # "X | None"
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        default = None if field.default is dataclasses.MISSING else field.default
        parser.add_argument(flag, type=kind, default=default, choices=(choices or {}).get(field.name), help=text)
    return parser


def read_recipe(path: str | Path, fields: list[str]) -> dict[str, Any]:
    """A recipe file's options, each one of `fields`."""
    options = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(options, dict):
        raise ValueError(f"{path} must hold a JSON object of options, got {type(options).__name__}")
    if unknown := sorted(set(options) - set(fields)):
        raise ValueError(f"{path}: unknown options {', '.join(unknown)}; allowed: {', '.join(fields)}")
    return options


def parse_options(parser: argparse.ArgumentParser, config: type, argv: list[str] | None) -> dict[str, Any]:
    """The parsed options of `options_parser(config, ...)`: the recipe given by --config (if any), under the
    flags given on the command line."""
    known, _ = parser.parse_known_args(argv)
    if known.config is not None:
        fields = [field.name for field in dataclasses.fields(config)]
        parser.set_defaults(**read_recipe(known.config, fields))
    options = vars(parser.parse_args(argv))
    del options["config"]
    return options
