"""Small pure helpers on the line/paragraph form every text stage shares.

Text between stages is a sequence of lines; a blank line separates paragraphs. After any stage that
removes lines, `join_lines` restores the invariant: no leading/trailing blank lines, never two blank
lines in a row, exactly one final newline (empty text stays empty).
"""
from __future__ import annotations

import re
from typing import Iterable

# Line ends other than LF; normalize turns each into one LF (before it deletes control characters).
LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]")
# What the normalize stage deletes inside a line: C0 controls except tab and newline, DEL, C1
# controls, invisible characters that split words (zero-width space, word joiner, soft hyphen, stray
# BOMs; ZWJ/ZWNJ stay: emoji and several scripts need them), and lone surrogates (a str from the API
# or JSON "\\ud800": no UTF-8 output can hold them). The encoding stage uses it too, so ftfy sees the
# line as it will be.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\u00ad\ufeff\ud800-\udfff]")
# Spaces normalize makes one plain space (no-break and other wide spaces, tabs). The encoding stage
# uses them too, so ftfy sees the line as it will be.
WIDE_SPACE_CHARS = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
SPACES = re.compile(f"[ {WIDE_SPACE_CHARS}]+")


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
