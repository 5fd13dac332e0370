"""Sampling a server's resident memory (its process and every child)."""

from __future__ import annotations

import threading

import psutil

SAMPLE_SECONDS = 0.1
MIB = 1024 * 1024


class PeakMemory:
    """Samples the RSS of a process tree in a thread until stopped; keeps the
    peak of the tree's sum and of its largest process."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_total_mb = 0.0
        self.peak_process_mb = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.sample()
            self._stopping.wait(self.interval)

    def sample(self) -> None:
        sizes = tree_rss(self.pid)
        if sizes:
            self.peak_total_mb = max(self.peak_total_mb, sum(sizes) / MIB)
            self.peak_process_mb = max(self.peak_process_mb, max(sizes) / MIB)


def process_tree(pid: int) -> list[psutil.Process]:
    """``pid`` and its descendants, or nothing if it has ended."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss(pid: int) -> list[int]:
    """Each live process's RSS in bytes: ``pid`` and its descendants."""
    sizes = []
    for process in process_tree(pid):
        try:
            sizes.append(process.memory_info().rss)
        except psutil.Error:
            continue
    return sizes
