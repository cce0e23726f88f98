"""Streaming output files: opened on first use, written line by line, closed once at the end."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TextIO


class JsonArrayFile:
    """A JSON array written one element at a time (SendGrid posts arrays of events)."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("w", encoding="utf-8", newline="\n")
        self.fh.write("[\n")
        self.first = True

    def write(self, obj: dict[str, Any]) -> None:
        self.fh.write(("" if self.first else ",\n") + json.dumps(obj, separators=(",", ":")))
        self.first = False

    def close(self) -> None:
        self.fh.write("\n]\n")
        self.fh.close()


class Sinks:
    """Every streaming file of one generator run, keyed by (source folder, file name)."""

    def __init__(self, inbox: Path) -> None:
        self.inbox = inbox
        self._text: dict[tuple[str, str], TextIO] = {}
        self._csv: dict[tuple[str, str], Any] = {}
        self._arrays: dict[tuple[str, str], JsonArrayFile] = {}
        self.files_written: dict[str, int] = {}

    def folder(self, source: str) -> Path:
        d = self.inbox / source
        d.mkdir(parents=True, exist_ok=True)
        return d

    def _count(self, source: str) -> None:
        self.files_written[source] = self.files_written.get(source, 0) + 1

    def jsonl(self, source: str, name: str, obj: dict[str, Any]) -> None:
        key = (source, name)
        fh = self._text.get(key)
        if fh is None:
            fh = self._text[key] = (self.folder(source) / name).open("w", encoding="utf-8", newline="\n")
            self._count(source)
        fh.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def json_array(self, source: str, name: str, obj: dict[str, Any]) -> None:
        key = (source, name)
        arr = self._arrays.get(key)
        if arr is None:
            arr = self._arrays[key] = JsonArrayFile(self.folder(source) / name)
            self._count(source)
        arr.write(obj)

    def csv_row(self, source: str, name: str, header: list[str], row: list[Any]) -> None:
        key = (source, name)
        w = self._csv.get(key)
        if w is None:
            fh = (self.folder(source) / name).open("w", encoding="utf-8", newline="")
            self._text[key] = fh
            w = self._csv[key] = csv.writer(fh)
            w.writerow(header)
            self._count(source)
        w.writerow(row)

    def close(self) -> None:
        for fh in self._text.values():
            fh.close()
        for arr in self._arrays.values():
            arr.close()
        self._text.clear()
        self._csv.clear()
        self._arrays.clear()
