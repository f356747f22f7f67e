"""Progress and problem reporting for long corpus steps.

Library functions take a :class:`Reporter`; the default one is silent. The
CLI passes :class:`RichReporter`, which draws rich progress bars (rate and
ETA) on stderr when stderr is a terminal and prints problems as
``where: message`` lines on stderr either way.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any


class Reporter:
    """Silent reporter: the interface, doing nothing."""

    def problem(self, where: str, message: str) -> None:
        """An input item was skipped (``where`` is ``file:line``)."""

    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A long step; the yielded function advances it by ``n`` items."""
        yield lambda n: None

    def note(self, message: str) -> None:
        """A one-line remark about the run (shown unless quiet)."""


class RichReporter(Reporter):
    """Progress bars on stderr (only on a terminal, unless ``quiet``), problems always."""

    def __init__(self, *, quiet: bool = False, stream: Any = None) -> None:
        from rich.console import Console

        self._stream = stream or sys.stderr
        self._console = Console(file=self._stream, stderr=stream is None)
        self._bars = not quiet and self._console.is_terminal
        self._quiet = quiet

    def problem(self, where: str, message: str) -> None:
        print(f"{where}: {message}", file=self._stream, flush=True)

    def note(self, message: str) -> None:
        if not self._quiet:
            print(message, file=self._stream, flush=True)

    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        if not self._bars:
            yield lambda n: None
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   RateColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=self._console, transient=False) as bar:
            tid = bar.add_task(label, total=total)

            def advance(n: int) -> None:
                bar.advance(tid, n)

            yield advance
