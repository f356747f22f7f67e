"""Options several commands share, as decorators (one definition each; the help text is the command's own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from storydiff.options import ENGINES

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def output_options(formats: Sequence[str], *, format_help: str, html_help: str) -> Decorator:
    """``-f/--format``, ``-o/--output`` and ``--html``."""
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--html", "html_path", type=click.Path(dir_okay=False, writable=True), default=None,
                         help=html_help)(f)
        f = click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                         help="Write the report to this file instead of stdout.")(f)
        return click.option("-f", "--format", "fmt", type=click.Choice(list(formats)), default="text",
                            show_default=True, help=format_help)(f)
    return decorate


def engine_option(help: str = "Sentence-embedding engine; minilm needs storydiff[neural].") -> Decorator:  # noqa: A002
    """``--engine``, its choices from :data:`storydiff.options.ENGINES`."""
    return click.option("--engine", type=click.Choice(ENGINES), default=ENGINES[0], show_default=True, help=help)
