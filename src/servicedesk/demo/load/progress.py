"""Progress of a long load: a rich progress bar on a terminal, otherwise a line every tenth of the work."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class LoadProgress:
    """Counts tickets done; call `advance` once per batch, and use it as a context manager."""

    def __init__(self, *, total: int, out, terminal: bool):
        self.total = total
        self.out = out
        self.done = 0
        self.began = time.perf_counter()
        self._next_line = 0.1
        self._bar = None
        if terminal:
            self._bar = Progress(
                TextColumn("[bold]tickets"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=out),
            )
            self._task = self._bar.add_task("generate", total=total, rate="")

    def __enter__(self) -> LoadProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, tickets: int, rows: int) -> None:
        self.done += tickets
        elapsed = time.perf_counter() - self.began
        if self._bar is not None:
            rate = f"{self.done / elapsed:,.0f} tickets/s" if elapsed else ""
            self._bar.update(self._task, advance=tickets, rate=rate)
            return
        share = self.done / self.total if self.total else 1
        if share + 1e-9 >= self._next_line or self.done == self.total:
            self.out.write(f"  {share:4.0%}  {self.done:,} of {self.total:,} tickets, {elapsed:.1f} s\n")
            self.out.flush()
            while self._next_line <= share + 1e-9:
                self._next_line += 0.1
