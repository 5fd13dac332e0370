"""Summaries of py-spy's collapsed stacks: ``python -m bench.flame FILE``.

Prints the functions holding most samples, inclusive (anywhere on the stack)
and exclusive (the leaf), optionally only over stacks passing through a
frame that contains ``--focus`` (e.g. ``create_appointment``).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

LINE_NUMBER = re.compile(r":\d+\)$")


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def function_of(frame: str) -> str:
    """A frame without its line number: ``name (path)``."""
    return LINE_NUMBER.sub(")", frame)


def tallies(
    stacks: Iterable[tuple[list[str], int]], focus: str | None
) -> tuple[Counter[str], Counter[str], int]:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for frames, count in stacks:
        if focus and not any(focus in frame for frame in frames):
            continue
        total += count
        for function in {function_of(frame) for frame in frames}:
            inclusive[function] += count
        exclusive[function_of(frames[-1])] += count
    return inclusive, exclusive, total


def table(title: str, counts: Counter[str], total: int, top: int) -> list[str]:
    lines = [f"{title} ({total} samples)"]
    for function, count in counts.most_common(top):
        lines.append(f"{100 * count / max(total, 1):6.1f}%  {function}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flame")
    parser.add_argument("file", type=Path)
    parser.add_argument("--focus", default=None)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    inclusive, exclusive, total = tallies(read_stacks(args.file), args.focus)
    lines = table("inclusive", inclusive, total, args.top)
    lines += ["", *table("exclusive (leaf)", exclusive, total, args.top)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
