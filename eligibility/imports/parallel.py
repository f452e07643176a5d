"""Validating a large CSV in two processes: the file split at a line boundary near its middle that is outside
every quoted cell, and the second half run in a forked child on the other core while the parent does the
first. The child touches no database; what it returns comes back through a file."""

from __future__ import annotations

import csv
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import reader


@dataclass(frozen=True)
class Halves:
    """A CSV's two halves, each read as records (the second knows the header and its first line number)."""

    path: str
    size: int
    encoding: str
    header: list[str]
    split: int
    lines_before: int

    def first(self) -> Iterator:
        return reader.read_csv(lines_between(self.path, 0, self.split), encoding=self.encoding)

    def second(self) -> Iterator:
        return reader.read_csv(
            lines_between(self.path, self.split, self.size),
            encoding=self.encoding,
            header=self.header,
            first_line=self.lines_before + 1,
        )


def csv_halves(path: str) -> Halves | None:
    """The halves of the CSV at `path`, or None where it cannot be split safely."""
    size = os.path.getsize(path)
    header, point = _csv_header(path), _split_point(path, size)
    if header is None or point is None:
        return None
    (encoding, names), (split, lines_before) = header, point
    return Halves(path, size, encoding, names, split, lines_before)


def lines_between(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        consumed, length = 0, end - start
        for line in handle:
            if consumed >= length:
                return
            consumed += len(line)
            yield line


def _csv_header(path: str) -> tuple[str, list[str]] | None:
    with open(path, "rb") as handle:
        head = handle.read(65536)
    encoding = reader.detect_encoding(head)
    first = head.split(b"\n", 1)[0]
    if first.count(b'"') % 2:  # a header cell spanning lines: not worth splitting
        return None
    codec = "cp932" if encoding == "cp932" else "utf-8"
    try:
        text = first.removeprefix(b"\xef\xbb\xbf").decode(codec).rstrip("\r")
    except UnicodeDecodeError:
        return None
    header = reader.parse_header(next(csv.reader([text])))
    return (encoding, header) if header else None


def _split_point(path: str, size: int) -> tuple[int, int] | None:
    """A line boundary near the middle that is outside every quoted cell (an even number of quotes before
    it, as valid CSV doubles quotes inside cells), and the number of lines before it."""
    with open(path, "rb") as handle:
        handle.seek(size // 2)
        handle.readline()
        split = handle.tell()
        if split >= size:
            return None
        handle.seek(0)
        quotes = lines = 0
        remaining = split
        while remaining:
            block = handle.read(min(1 << 24, remaining))
            remaining -= len(block)
            quotes += block.count(b'"')
            lines += block.count(b"\n")
    return None if quotes % 2 else (split, lines)


def in_two_processes(first: Callable[[], None], second: Callable[[], object], *, folder: str, what: str):
    """Runs `second` in a forked child and `first` here; returns what `second` returned. The child exits
    without any clean-up of the parent's resources (connections, files)."""
    summary = os.path.join(folder, "summary")
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            result = second()
            with open(summary, "wb") as out:
                pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    first()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError(f"the process validating the second half of {what} failed ({status})")
    with open(summary, "rb") as handle:
        return pickle.load(handle)  # noqa: S301  (our own file)
