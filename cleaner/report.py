"""Per-file results, the run summary (stderr table) and the JSON report."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from .document import Document, Edit
from .rules import source_rule

# Stages whose rule ids are not in the rule files: their category is the id's first part.
_OWN_CATEGORIES = {"model": "model", "repeat": "repeat", "normalize": "whitespace", "encoding": "encoding",
                   "ftfy": "encoding", "decode": "encoding", "html": "markup", "stories": "stories",
                   "language": "language", "comments": "comments"}
# Why the boilerplate stage's own steps (not a rule file's) removed a line, for --explain.
_OWN_REASONS = {"model.line": "the line scorer", "repeat.line": "a repeated line; the first copy stays",
                "repeat.paragraph": "a repeated paragraph; the first copy stays",
                "repeat.caption": "a caption printed twice (or once per slide)",
                "comments.thread": "a comment thread under the article",
                "encoding.garbage_line": "a garbage line (junk glyphs, or words that switch alphabet)"}


@dataclass
class FileResult:
    path: str  # input path as found
    id: str  # relative id (document id)
    status: str  # cleaned | unchanged | current (--resume: up to date) | skipped | error
    reason: str = ""  # skip reason or error message
    outputs: list[str] = field(default_factory=list)
    language: str = ""
    language_score: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0
    removed: dict[str, int] = field(default_factory=dict)  # characters removed, per category
    rules: dict[str, int] = field(default_factory=dict)  # edits per rule id
    stories: int = 1
    boundaries: list = field(default_factory=list)
    sha256: str = ""  # of the input bytes, for --resume
    explain: list[str] = field(default_factory=list)
    diff: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("explain")
        d.pop("diff")
        return d


def category_of(edit: Edit, ruleset) -> str:
    rule = source_rule(edit.rule)
    if ruleset is not None:
        cat = ruleset.category(rule)
        if cat:
            return cat
    return _OWN_CATEGORIES.get(rule.split(".", 1)[0], edit.stage)


def removed_chars(edit: Edit) -> int:
    if edit.action == "remove":
        return len(edit.before)
    if edit.action == "replace":
        return max(0, len(edit.before) - len(edit.after))
    return 0


def all_edits(doc: Document) -> Iterable[Edit]:
    yield from doc.edits
    for s in doc.stories:
        yield from s.edits


def summarize_edits(doc: Document, ruleset) -> tuple[dict[str, int], dict[str, int]]:
    removed: Counter = Counter()
    rules: Counter = Counter()
    for e in all_edits(doc):
        rules[e.rule] += 1
        n = removed_chars(e)
        if n:
            removed[category_of(e, ruleset)] += n
    return dict(sorted(removed.items())), dict(sorted(rules.items()))


def explain_lines(doc: Document, ruleset, width: int = 120) -> list[str]:
    """One line per change that removed or split text: where, which rule, why, and what."""
    out = []
    for d in (doc, *doc.stories):
        for e in d.edits:
            if e.action == "annotate" or (e.action == "replace" and e.before.split() == e.after.split()):
                continue  # whitespace-only tidying would drown the removals
            reason = ruleset.reason(source_rule(e.rule)) if ruleset else ""
            reason = reason or _OWN_REASONS.get(e.rule, "")
            if e.score is not None:
                reason = f"{reason + '; ' if reason else ''}score {e.score:.2f}"
            where = f"{d.id}:{e.line}" if e.line else d.id
            text = " ".join(e.before.split())
            if len(text) > width:
                text = text[: width - 1] + "…"
            what = f"{e.action} {text!r}" + (f" -> {' '.join(e.after.split())[:width]!r}" if e.action == "replace" else "")
            out.append(f"{where}: {e.stage}/{e.rule}{' (' + reason + ')' if reason else ''}: {what}")
    return out


@dataclass
class Summary:
    files: int = 0
    cleaned: int = 0
    unchanged: int = 0
    current: int = 0
    skipped: Counter = field(default_factory=Counter)
    errors: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    removed: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    stories: int = 0
    interrupted: bool = False

    def add(self, r: FileResult) -> None:
        self.files += 1
        if r.status == "skipped":
            self.skipped[r.reason.split(":")[0] or "skipped"] += 1
        elif r.status == "error":
            self.errors += 1
        elif r.status == "current":
            self.current += 1
        else:
            setattr(self, r.status, getattr(self, r.status) + 1)
            self.bytes_in += r.bytes_in
            self.bytes_out += r.bytes_out
            self.removed.update(r.removed)
            if r.language:
                self.languages[r.language] += 1
            self.stories += max(0, r.stories - 1)

    def table(self) -> str:
        rows = [f"files       {self.files}   cleaned {self.cleaned}   unchanged {self.unchanged}   "
                f"skipped {sum(self.skipped.values())}   errors {self.errors}"
                + (f"   up to date {self.current}" if self.current else "")
                + ("   (interrupted)" if self.interrupted else "")]
        if self.skipped:
            rows.append("skipped     " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())))
        if self.bytes_in:
            pct = 100 * (1 - self.bytes_out / self.bytes_in)
            rows.append(f"bytes       {self.bytes_in:,} in, {self.bytes_out:,} out ({pct:.1f}% removed)")
        if self.stories:
            rows.append(f"stories     {self.stories} bundled {'story' if self.stories == 1 else 'stories'} split off")
        if self.removed:
            top = sorted(self.removed.items(), key=lambda kv: (-kv[1], kv[0]))
            rows.append("removed     " + ", ".join(f"{k} {v:,}" for k, v in top[:12])
                        + (f", … {len(top) - 12} more" if len(top) > 12 else "") + " (characters)")
        if self.languages:
            rows.append("languages   " + ", ".join(f"{k} {v}" for k, v in self.languages.most_common(10)))
        return "\n".join(rows)

    def to_json(self) -> dict:
        return {"files": self.files, "cleaned": self.cleaned, "unchanged": self.unchanged, "current": self.current,
                "skipped": dict(sorted(self.skipped.items())), "errors": self.errors,
                "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
                "removed_chars": dict(sorted(self.removed.items())), "languages": dict(sorted(self.languages.items())),
                "stories_split": self.stories, "interrupted": self.interrupted}


def write_report(path: Path, summary: Summary, results: list[FileResult], meta: dict) -> None:
    from .io import write_atomic

    data = {**meta, "summary": summary.to_json(), "files": [r.to_json() for r in results]}
    write_atomic(Path(path), (json.dumps(_printable(data), indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def _printable(value):
    """The report is UTF-8 JSON: a lone surrogate (a file name that is not UTF-8) cannot be in it."""
    from .io import printable

    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value
