"""Progress and problem reporting for long corpus steps.

Library functions take a :class:`Reporter`; the default one is silent. The
CLI uses :class:`RichReporter` as a context manager: one live display on
stderr (only when stderr is a terminal) with a heading per step ("step 2/5:
candidate pairs") and a bar per task — count out of a known total, rate,
elapsed time and time left; a task whose size cannot be known shows a spinner
while it runs and its count when done. Problems are printed as ``where:
message`` lines on stderr either way.
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

    def step(self, label: str) -> None:
        """A new step of the run begins (``label`` says which, e.g. ``step 2/5: candidate pairs``)."""

    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A long task; the yielded function advances it by ``n`` items."""
        yield lambda n: None

    def note(self, message: str) -> None:
        """A one-line remark about the run (shown unless quiet)."""

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class RichReporter(Reporter):
    """Progress on stderr (only on a terminal, unless ``quiet``), problems always."""

    def __init__(self, *, quiet: bool = False, stream: Any = None, terminal: bool | None = None) -> None:
        from rich.console import Console

        self._stream = stream or sys.stderr
        # width fixed when forced (a test's or a log's stream has none to ask)
        self._console = Console(file=self._stream, stderr=stream is None, force_terminal=terminal,
                                width=120 if terminal else None)
        self._bars = not quiet and self._console.is_terminal
        self._quiet = quiet
        self._progress: Any = None

    def problem(self, where: str, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(f"{where}: {message}", markup=False, highlight=False)
        else:
            print(f"{where}: {message}", file=self._stream, flush=True)

    def note(self, message: str) -> None:
        if self._quiet:
            return
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self._stream, flush=True)

    def step(self, label: str) -> None:
        if self._progress is not None:
            self._progress.console.print(f"[bold]{label}[/bold]", highlight=False)

    def __enter__(self) -> RichReporter:
        if self._bars:
            self._progress = _progress(self._console)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        if self._progress is None:
            yield lambda n: None
            return
        bar = self._progress
        tid = bar.add_task(label, total=total)
        try:
            yield lambda n: bar.advance(tid, n)
        finally:
            if total is None:  # done: its size is what it counted (a spinner would otherwise spin on)
                bar.update(tid, total=next(t.completed for t in bar.tasks if t.id == tid))
            bar.stop_task(tid)


def _progress(console: Any) -> Any:
    from rich.progress import (BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn,
                               TimeElapsedColumn)
    from rich.text import Text

    class Count(ProgressColumn):
        """``1,200/5,000`` with a known total, ``1,200`` without, nothing before the first item."""

        def render(self, task: Any) -> Text:
            if not task.total:  # unknown (or a task that counts nothing)
                return Text(f"{task.completed:,.0f}" if task.completed else "", style="progress.download")
            return Text(f"{task.completed:,.0f}/{task.total:,.0f}", style="progress.download")

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")

    class Left(ProgressColumn):
        """``ETA 0:01:05`` while a task with a known total runs; nothing otherwise."""

        def render(self, task: Any) -> Text:
            left = task.time_remaining
            if task.finished or task.total is None or left is None:
                return Text("")
            m, s = divmod(int(left), 60)
            return Text(f"ETA {m // 60}:{m % 60:02d}:{s:02d}", style="progress.remaining")

    return Progress(SpinnerColumn(finished_text="[green]✓[/green]"), TextColumn("{task.description}"), BarColumn(),
                    Count(), Rate(), TextColumn("elapsed"), TimeElapsedColumn(), Left(), console=console,
                    transient=False)
