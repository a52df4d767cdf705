"""Small pure helpers on the line/paragraph form every text stage shares.

Text between stages is a sequence of lines; a blank line separates paragraphs. After any stage that
removes lines, `join_lines` restores the invariant: no leading/trailing blank lines, never two blank
lines in a row, exactly one final newline (empty text stays empty).
"""
from __future__ import annotations

from typing import Iterable


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
