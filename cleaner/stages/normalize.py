"""normalize: NFC, LF line ends, no control characters, tidy whitespace and blank lines.

Every change is an Edit: line-end changes once per document (before = the removed CRs), the others
once per changed line (before/after = the line), so a report can count what went.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..document import Document, Edit
from ..textutil import CONTROL_CHARS, LINE_SEPARATORS, SPACES, join_lines


@dataclass(frozen=True)
class Options:
    nfc: bool = True
    unify_spaces: bool = True  # no-break and other wide spaces become a plain space
    strip_indent: bool = True  # leading spaces of lines go (scraped indentation carries no meaning)


class Stage:
    name = "normalize"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self._spaces = SPACES if options.unify_spaces else re.compile("[ \t]+")

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        if "\r" in text or LINE_SEPARATORS.search(text):
            crlf = text.count("\r\n")
            text = text.replace("\r\n", "\n")
            if crlf:
                doc.edits.append(Edit(self.name, "normalize.crlf", "remove", before="\r" * crlf))
            other = LINE_SEPARATORS.findall(text)
            if other:
                text = LINE_SEPARATORS.sub("\n", text)
                doc.edits.append(Edit(self.name, "normalize.line_separator", "replace", before="".join(other),
                                      after="\n" * len(other)))
        lines = text.split("\n")
        out = []
        # Whole-text checks first (a line can only hold what the text holds): most texts have no
        # control characters and are NFC already (a line break never takes part in composition,
        # so an NFC text has NFC lines), and most lines need no space tidying beyond strip().
        controls = CONTROL_CHARS.search(text) is not None
        # (removing a control character can leave a line that is not NFC: then every line is checked)
        check_nfc = self.options.nfc and not text.isascii() and (controls or not unicodedata.is_normalized("NFC", text))
        for n, line in enumerate(lines, 1):
            new = line
            if controls and CONTROL_CHARS.search(new):
                new = CONTROL_CHARS.sub("", new)
                doc.edits.append(Edit(self.name, "normalize.control_chars", "replace", before=line, after=new, line=n))
            if check_nfc and not new.isascii():
                nfc = unicodedata.normalize("NFC", new)
                if nfc != new:
                    doc.edits.append(Edit(self.name, "normalize.nfc", "replace", before=new, after=nfc, line=n))
                    new = nfc
            if new.isascii() and "  " not in new and "\t" not in new:
                tidy = new.rstrip()  # the space regex would replace single spaces by themselves
            else:
                tidy = self._spaces.sub(" ", new).rstrip()
            if self.options.strip_indent:
                tidy = tidy.lstrip()
            if tidy != new:
                doc.edits.append(Edit(self.name, "normalize.whitespace", "replace", before=new, after=tidy, line=n))
            out.append(tidy)
        joined = join_lines(out)
        dropped = len("\n".join(out)) + (bool(text) and not text.endswith("\n")) - len(joined)  # join_lines only drops newlines
        if dropped > 0:
            doc.edits.append(Edit(self.name, "normalize.blank_lines", "remove", before="\n" * dropped))
        doc.text = joined
        return doc
