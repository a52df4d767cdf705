"""Small pure helpers on the line/paragraph form every text stage shares.

Text between stages is a sequence of lines; a blank line separates paragraphs. After any stage that
removes lines, `join_lines` restores the invariant: no leading/trailing blank lines, never two blank
lines in a row, exactly one final newline (empty text stays empty).
"""
from __future__ import annotations

import re
from typing import Iterable

# What the normalize stage deletes inside a line: C0/C1 controls (not tab), invisible word-splitters,
# stray BOMs and lone surrogates. The encoding stage uses it too, so ftfy sees the line as it will be.
# Line ends other than LF; normalize turns each into one LF (before it deletes control characters).
LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]")
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\u00ad\ufeff\ud800-\udfff]")


def join_lines(lines: Iterable[str]) -> str:
    out: list[str] = []
    blank = False
    for line in lines:
        if not line.strip():
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out) + "\n" if out else ""


def word_count(line: str) -> int:
    return len(line.split())
