"""JSONL in, JSONL out: each record's text field cleaned, every other field passed through untouched.

Each output record gains a "cleaner" object (language, language_score, removed characters per
category, story count). A bundled story becomes an extra record right after its parent: the parent's
other fields, its own text, and "cleaner": {"parent": <parent id>, "story": k}; when the record has an
id field, the story's id is "<id>#story<k>". Records that are skipped (e.g. by --lang) are left out
and counted; a line that is not a JSON object with a string text field is passed through unchanged
and reported, so nothing is lost.
"""
from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from .document import Document
from .pipeline import Pipeline
from .report import summarize_edits

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class JsonlStats:
    records: int = 0
    cleaned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    passed_through: int = 0
    stories: int = 0
    removed: dict[str, int] = field(default_factory=dict)


def open_text(path: Path, mode: str) -> IO[str]:
    """Text stream for a .jsonl or .jsonl.gz file (gzip by name on write, by magic bytes on read).

    Bytes that are not UTF-8 travel as surrogate escapes both ways: one bad line must not cost the
    whole file, and a line passed through comes out byte for byte."""
    if "r" in mode:
        with open(path, "rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
        raw = gzip.open(path, "rb") if gz else open(path, "rb")
        return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="\n")
    raw = gzip.GzipFile(path, "wb", mtime=0) if str(path).endswith(".gz") else open(path, "wb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="\n")


def _document(doc_id: str, text: str) -> Document:
    """The record's text as a Document. Text holding bytes that were not UTF-8 (surrogate escapes)
    goes in as those bytes, so the decode stage guesses their charset instead of losing them."""
    if not _SURROGATE.search(text):
        return Document(id=doc_id, text=text)
    try:
        return Document(id=doc_id, raw=text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a JSON escape like "\\ud800" stands for no byte: normalize drops it
        return Document(id=doc_id, text=text)


def _dumps(record: dict) -> str:
    """One output line. Other fields pass through as they came, surrogates included; where one
    would not survive UTF-8 output, the line is written with JSON's ASCII escapes instead."""
    line = json.dumps(record, ensure_ascii=False)
    return json.dumps(record) if _SURROGATE.search(line) else line


def _meta(doc: Document, pipeline: Pipeline) -> dict:
    removed, _ = summarize_edits(doc, pipeline.ruleset)
    meta = {"language": doc.metadata.get("language"), "language_score": doc.metadata.get("language_score"),
            "removed": removed, "stories": 1 + len(doc.stories)}
    return {k: v for k, v in meta.items() if v is not None}


def clean_records(lines: Iterable[str], pipeline: Pipeline, *, text_field: str = "text", id_field: str = "id",
                  jobs: int = 1, name: str = "-", warn: Callable[[str], None] = lambda m: None,
                  stats: JsonlStats | None = None) -> Iterator[str]:
    """Cleaned output lines (each ending in a newline) for the input lines, in order."""
    stats = stats if stats is not None else JsonlStats()
    pending: list[tuple[int, str, dict | None]] = []

    def parse() -> Iterator[Document]:
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                rec, why = None, f"not JSON ({e.msg})"
            except (ValueError, RecursionError) as e:  # an integer of 5,000 digits; [[[[... 100,000 deep
                rec, why = None, f"not usable JSON ({type(e).__name__})"
            else:
                why = "" if isinstance(rec, dict) and isinstance(rec.get(text_field), str) else f"no string field '{text_field}'"
            if why:
                warn(f"{name}:{n}: passed through unchanged: {why}")
                pending.append((n, line, None))
                continue
            pending.append((n, line, rec))
            rid = rec.get(id_field)
            yield _document(f"{name}:{n}" if rid is None else str(rid), rec[text_field])

    docs = pipeline.clean_many(parse(), jobs=jobs)
    for doc in docs:
        while pending and pending[0][2] is None:  # lines passed through before this record
            yield _passthrough(pending.pop(0)[1], stats)
        n, _, rec = pending.pop(0)
        stats.records += 1
        if doc.skipped:
            reason = doc.metadata["skip_reason"]
            stats.skipped[reason] = stats.skipped.get(reason, 0) + 1
            continue
        stats.cleaned += 1
        meta = _meta(doc, pipeline)
        for k, v in meta["removed"].items():
            stats.removed[k] = stats.removed.get(k, 0) + v
        yield _dumps({**rec, text_field: doc.text, "cleaner": meta}) + "\n"
        parent = rec.get(id_field, f"{name}:{n}")
        for k, story in enumerate(doc.stories, start=2):
            stats.stories += 1
            extra = {**rec, text_field: story.text, "cleaner": {"parent": parent, "story": k}}
            if id_field in rec:
                extra[id_field] = f"{rec[id_field]}#story{k}"
            yield _dumps(extra) + "\n"
    while pending:
        yield _passthrough(pending.pop(0)[1], stats)


def _passthrough(line: str, stats: JsonlStats) -> str:
    stats.passed_through += 1
    return line if line.endswith("\n") else line + "\n"
