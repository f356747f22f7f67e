"""Regenerate docs/cli-reference.md from the commands' own --help.

Usage:
    .venv/bin/python scripts/cli_reference.py          # rewrite the file
    .venv/bin/python scripts/cli_reference.py --check  # exit 1 if it is out of date (run by the tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli-reference.md"


def _walk(cmd: click.Command, path: list[str]):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            yield from _walk(cmd.commands[name], [*path, name])


def render() -> str:
    from storydiff.cli import cli

    out = [
        "# CLI reference",
        "",
        "Generated from each command's `--help` by `scripts/cli_reference.py`; a test fails when it is out of date.",
        "",
    ]
    for path, cmd in _walk(cli, ["storydiff"]):
        ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100)
        out += [f"## `{' '.join(path)}`", "", "```", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(out)


def main() -> None:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            sys.exit(f"{TARGET} is out of date: run python scripts/cli_reference.py")
        return
    TARGET.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
