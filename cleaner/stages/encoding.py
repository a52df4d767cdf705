"""encoding: repair mojibake and similar damage, every step an Edit.

Steps, per line (line numbers are those of the text this stage receives):
1. `encoding.truncated_mojibake`: UTF-8 read as Windows-1252 whose third byte was lost, so "â€"
   stands before a space or the line's end where a closing quote was. ftfy cannot see these (it
   would even turn "â€ " into "†", reading the space as a lost no-break space), so they are
   repaired first: "â€" after an unclosed opening quote becomes ”, between emoji mojibake a
   zero-width joiner.
2. ftfy (`ftfy.<fixer>` rule ids, e.g. ftfy.fix_encoding, ftfy.unescape_html), one edit per fixer
   step and line, before/after = the whole line. Curly quotes are kept unless `uncurl_quotes`.
   ftfy's own NFC and line-break fixes are off: the normalize stage owns both, so each change is
   made, and counted, once.
   Fast path: ftfy changes nothing on a line unless one of its fixers' preconditions holds there (an
   HTML entity, a control/C1/ligature/width/surrogate character, or ftfy's own badness regex, which
   is what its encoding fixer tests first). Only such lines go through ftfy, each exactly as
   `ftfy.fix_text` would segment and configure it, so the output is identical to running ftfy on
   the whole text (tests/test_stage_encoding.py proves it on the dev sets and with hypothesis).
3. `encoding.garbage_line`: a short line made mostly of junk glyphs (private-use, box drawing,
   U+FFFD...) or of tokens mixing scripts that are all foreign to the document (not its main
   script) is removed.
4. `encoding.stray_glyph`: a U+FFFD or a lone private-use character inside a line of text goes.
5. `encoding.lost_nbsp`: a lone "Â" after a word, a number or punctuation, before a space or the
   line's end ("for cats.Â", "Step 2:Â Appoint") goes. It is what is left of a no-break space read
   as Windows-1252 ("Â\xa0") once the no-break space itself became a plain space or was stripped:
   ftfy repairs the pair, not the "Â" alone. A capital "Â" after a capital letter ("ROMÂNIA") or
   before a letter is a word's, and stays.
Legitimate non-Latin text and emoji are never touched by 3 and 4: single-script words pass.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..document import Document, Edit
from ..textutil import CONTROL_CHARS, LINE_SEPARATORS, SPACES, WIDE_SPACE_CHARS, join_lines

_UNESCAPE = {"auto": "auto", "always": True, "never": False}

# -- step 1: truncated mojibake ----------------------------------------------------------------------
_TRUNCATED = re.compile("â€(?=[\\s.,;:!?)\\]}]|$|ðŸ)")
_OPEN_DQ = re.compile("“|â€œ")
_CLOSE_DQ = re.compile("”|â€\x9d")

# -- steps 3 and 4: junk glyphs ----------------------------------------------------------------------
_PUA = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
# private use, box drawing and block elements, control pictures, replacement/object characters, C1
# controls (the ones ftfy leaves: undefined in Windows-1252)
_JUNK = re.compile(f"[{_PUA}\u2500-\u259f\u2400-\u243f\ufffc\ufffd\x80-\x9f]")
_STRAY = re.compile(f"(?:(?<=\\s)|^)(?:\ufffd|(?<![{_PUA}])[{_PUA}](?![{_PUA}]))+(?:\\s+|$)"
                    f"|(?<!\\s)\\s+(?:\ufffd|(?<![{_PUA}])[{_PUA}](?![{_PUA}]))+$"
                    f"|\ufffd+|(?<![{_PUA}])[{_PUA}](?![{_PUA}])")
_LETTER = re.compile(r"[^\W\d_]")
# step 5: "Â" right after a lower-case ASCII letter, a digit or punctuation (spaces between allowed
# after punctuation: any run of them, which normalize makes one, as a second run would see it), before
# white space or the line's end
_LOST_NBSP = re.compile("(?:(?<=[a-z0-9%.,;:!?)\\]}\"'’”])|(?<=[.,;:!?])[^\\S\r\n]+)Â(?=\\s|$)")

# Scripts of letters, by code point range (start, end, name); anything else is "other". The CJK
# scripts are one group: Japanese mixes Han and kana in a word, Korean Hangul and Han.
_SCRIPT_RANGES = sorted([
    (0x0041, 0x024F, "latin"), (0x1E00, 0x1EFF, "latin"), (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"), (0x0530, 0x058F, "armenian"), (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x0900, 0x0DFF, "indic"), (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"), (0x1100, 0x11FF, "cjk"), (0x3040, 0x30FF, "cjk"), (0x3130, 0x318F, "cjk"),
    (0x3400, 0x4DBF, "cjk"), (0x4E00, 0x9FFF, "cjk"), (0xAC00, 0xD7AF, "cjk"), (0xF900, 0xFAFF, "cjk"),
])
_SCRIPT_STARTS = [r[0] for r in _SCRIPT_RANGES]
_ALPHABETS = "A-Za-z\u00c0-\u024f|\u0370-\u03ff|\u0400-\u052f|\u0530-\u058f|\u0590-\u05ff|\u0600-\u06ff".split("|")
_NON_LATIN = re.compile("[\u0370-\u06ff]")
# two adjacent letters of different alphabets: the mark of mixed-script junk in a word
_MIXPAIR = re.compile("|".join(f"[{a}][{''.join(b for b in _ALPHABETS if b != a)}]" for a in _ALPHABETS))


def _script(ch: str) -> str:
    cp = ord(ch)
    i = bisect.bisect_right(_SCRIPT_STARTS, cp) - 1
    if i >= 0 and cp <= _SCRIPT_RANGES[i][1]:
        return _SCRIPT_RANGES[i][2]
    return "other"


@dataclass(frozen=True)
class Options:
    ftfy: bool = True
    # "auto": ftfy's rule, per line: not on a line holding "<" (markup or code keeps its entities).
    # ftfy.fix_text applies it to the rest of a text once one line holds "<"; per line, removing such
    # a line later (a stray "<" on its own) cannot change what cleaning the output again decodes.
    unescape_html: str = "auto"  # "auto", "always", "never"
    uncurl_quotes: bool = False  # curly quotes carry information; straightening them is opt-in
    fix_latin_ligatures: bool = True  # "ﬁ" -> "fi"
    fix_character_width: bool = False  # ftfy's width fix rewrites CJK text's fullwidth punctuation: opt-in
    truncated_mojibake: bool = True
    garbage_lines: bool = True
    stray_glyphs: bool = True
    lost_nbsp: bool = True
    garbage_max_chars: int = 100  # longer lines are never garbage lines (only their stray glyphs go)

    def validate(self) -> str | None:
        if self.unescape_html not in _UNESCAPE:
            return f"unescape_html must be one of {sorted(_UNESCAPE)}"
        if self.garbage_max_chars < 1:
            return "garbage_max_chars must be positive"
        return None


class FastFtfy:
    """`ftfy.fix_text` that only runs ftfy on the segments it could change; same output, with
    ftfy's explanation of each changed segment."""

    def __init__(self, **config):
        import ftfy
        from ftfy import badness, chardata

        self.ftfy = ftfy
        self.config = ftfy.TextFixerConfig(**config)
        cfg = self.config
        chars = set(chardata.CONTROL_CHARS) | set(range(0x80, 0xA0)) | set(range(0xD800, 0xE000))
        if cfg.fix_latin_ligatures:
            chars |= set(chardata.LIGATURES)
        if cfg.fix_character_width:
            chars |= set(chardata.WIDTH_MAP)
        if cfg.uncurl_quotes:
            chars |= {0x2BC, *range(0x2018, 0x2020)}
        if cfg.fix_line_breaks:
            chars |= {0x0D, 0x2028, 0x2029, 0x85}
        # a character that one of the character-level fixers acts on
        self.trip = re.compile("[" + "".join(_class_escape(c) for c in sorted(chars)) + "]")
        self.entity = chardata.HTML_ENTITY_RE
        # ftfy's badness regex, `^` matching at every line start: a segment it matches is matched here too
        self.bad = re.compile(badness.BADNESS_RE.pattern, re.VERBOSE | re.MULTILINE)
        self.maybe_bad = _maybe_bad_regex(badness.MOJIBAKE_CATEGORIES)

    def candidates(self, text: str) -> list[int]:
        """Start offsets of the lines ftfy could change (sorted). Assumes every line is shorter than
        the config's max_decode_length (fix() checks)."""
        starts: set[int] = set()
        for m in self.trip.finditer(text):
            starts.add(text.rfind("\n", 0, m.start()) + 1)
        unescape = self.config.unescape_html
        if unescape:
            line_end = -1  # (each line is looked at once, however many entities it holds)
            for m in self.entity.finditer(text):
                if m.start() < line_end:
                    continue
                start = text.rfind("\n", 0, m.start()) + 1
                line_end = text.find("\n", m.start()) + 1 or len(text)
                if unescape == "auto" and "<" in text[start:line_end]:
                    continue  # (ftfy's auto: no unescaping on a line holding "<")
                starts.add(start)
        if self.config.fix_encoding and not text.isascii():
            # ftfy's badness regex is slow (~4 MB/s): run it only on lines a cheap necessary
            # condition flags, one line at a time (segment = line with its newline)
            pos, bad = 0, self.bad
            while (m := self.maybe_bad.search(text, pos)) is not None:
                start = text.rfind("\n", 0, m.start()) + 1
                end = text.find("\n", m.start()) + 1 or len(text)
                if start not in starts and bad.search(text, start, end):
                    starts.add(start)
                pos = end
                if end == len(text):
                    break
        return sorted(starts)

    def fix(self, text: str) -> tuple[str, list[tuple[int, str, str, list]]]:
        """(fixed text, [(start offset, segment, fixed segment, explanation), ...])."""
        cfg = self.config
        # ftfy cuts a line longer than max_decode_length into pieces; only then is every segment
        # its business (a long text of ordinary lines takes the fast path like a short one)
        if len(text) >= cfg.max_decode_length and max(map(len, text.split("\n"))) >= cfg.max_decode_length:
            return self._fix_all(text)
        starts = self.candidates(text)
        if not starts:
            return text, []
        out, changes, pos = [], [], 0
        for start in starts:
            end = text.find("\n", start) + 1 or len(text)
            seg = text[start:end]
            fixed, steps = self.ftfy.fix_and_explain(seg, cfg)  # (auto: ftfy looks for "<" in seg)
            if fixed != seg:
                out.append(text[pos:start])
                out.append(fixed)
                pos = end
                changes.append((start, seg, fixed, steps))
        if not changes:
            return text, []
        out.append(text[pos:])
        return "".join(out), changes

    def fix_segment(self, seg: str, no_unescape: bool = False):
        """ftfy on one segment: (fixed, explanation); the fast path's precheck first."""
        if not (self.trip.search(seg) or (not no_unescape and self.config.unescape_html and self.entity.search(seg))
                or (not seg.isascii() and self.maybe_bad.search(seg) and self.bad.search(seg))):
            return seg, []
        cfg = self.config._replace(unescape_html=False) if no_unescape else self.config
        return self.ftfy.fix_and_explain(seg, cfg)

    def _fix_all(self, text: str):
        """Every segment, cut as ftfy.fix_text cuts each line (for a text with a very long line)."""
        cfg = self.config
        out, changes, pos = [], [], 0
        while pos < len(text):
            brk = text.find("\n", pos) + 1 or len(text)
            if brk - pos > cfg.max_decode_length:
                brk = pos + cfg.max_decode_length
            seg = text[pos:brk]
            if pos == 0 or text[pos - 1] == "\n":
                cfg = self.config  # a new line: "auto" looks at this line's "<" only
            if cfg.unescape_html == "auto" and "<" in seg:
                cfg = cfg._replace(unescape_html=False)
            fixed, steps = self.ftfy.fix_and_explain(seg, cfg)
            out.append(fixed)
            if fixed != seg:
                changes.append((pos, seg, fixed, steps))
            pos = brk
        return "".join(out), changes

    def explain(self, seg: str, fixed: str, steps: list) -> list[tuple[str, str, str]]:
        """(rule id, before, after) per fixer step, replayed with ftfy.apply_plan; encode..decode
        runs are one ftfy.fix_encoding step. Falls back to one ftfy.fix_text step if the replay
        does not reproduce ftfy's result."""
        units, cur = [], []
        for op, arg in steps or ():
            if op == "encode":
                cur = [(op, arg)]
            elif op == "transcode" and cur:
                cur.append((op, arg))
            elif op == "decode" and cur:
                cur.append((op, arg))
                units.append(("ftfy.fix_encoding", cur))
                cur = []
            else:
                rule = "ftfy.fix_encoding" if arg == "decode_inconsistent_utf8" else f"ftfy.{arg}"
                units.append((rule, [(op, arg)]))
        out, text = [], seg
        try:
            for rule, plan in units:
                after = self.ftfy.apply_plan(text, plan)
                if after != text:
                    out.append((rule, text, after))
                text = after
        except (ValueError, UnicodeError, LookupError):
            text = None
        if text != fixed:
            return [("ftfy.fix_text", seg, fixed)]
        return out


def _maybe_bad_regex(cat: dict) -> re.Pattern:
    """A fast necessary condition for ftfy's BADNESS_RE, built from the same character categories:
    every branch of BADNESS_RE needs one character of the rare set below, or one of the few pairs
    that follow (worked out branch by branch; tests check the implication with hypothesis and on the
    dev sets, so an ftfy upgrade that breaks it fails loudly)."""
    rare = (cat["c1"] + cat["bad"] + cat["currency"] + cat["numeric"] + cat["law"] + cat["box"]
            + cat["upper_accented"] + "ŒœØÙ‚√≈ЂÂÃÎÐ€")
    punct = cat["start_punctuation"] + cat["end_punctuation"]
    return re.compile(
        f"[{rare}]"
        f"|[{cat['end_punctuation']}][{cat['lower_accented']}{cat['start_punctuation']}]"
        f"|[{cat['lower_accented']}][{punct}]\\w"
        f"|[ВГРСΒΓΞΟ][{punct}°µ][ВГРСΒΓΞΟ]")


def _class_escape(cp: int) -> str:
    ch = chr(cp)
    return "\\" + ch if ch in "\\]^-[" else ch


class Stage:
    name = "encoding"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self.fixer = None
        if options.ftfy:
            self.fixer = FastFtfy(
                unescape_html=_UNESCAPE.get(options.unescape_html, "auto"), uncurl_quotes=options.uncurl_quotes,
                fix_latin_ligatures=options.fix_latin_ligatures, fix_character_width=options.fix_character_width,
                fix_line_breaks=False, normalization=None, explain=True)

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        if not text or (text.isascii() and "&" not in text and not _ASCII_TRIP.search(text)):
            return doc  # nothing any step could change
        edits: list[Edit] = []
        # ftfy judges the last line with its line end as normalize will leave it ("Äœ" alone is not
        # mojibake to it, "Äœ\n" is); the added one goes again below
        added = not text.endswith("\n")
        text = self._line_ends(text + "\n" if added else text, edits)
        lines = text.split("\n")
        cur: list[str | None] = list(lines)  # what each input line became (None: removed; may hold "\n")
        if self.options.truncated_mojibake and "â€" in text:
            for i in sorted(set(_line_numbers(text, (m.start() for m in _TRUNCATED.finditer(text))))):
                new = repair_truncated(lines[i])
                if new != lines[i]:
                    edits.append(Edit(self.name, "encoding.truncated_mojibake", "replace", lines[i], new, i + 1))
                    cur[i] = new
            text = "\n".join(cur)
        if self.fixer is not None:
            text = self._ftfy(text, cur, edits)
            if CONTROL_CHARS.search(text.replace("\r\n", "\n")):
                self._controls(cur, edits)
            if not text.isascii():
                self._spaces(cur, edits)
        if self.options.lost_nbsp and "Â" in text:
            for i in sorted(set(_line_numbers(text, (m.start() for m in _LOST_NBSP.finditer(text))))):
                if i < len(cur) and cur[i] is not None and "\n" not in cur[i]:  # (ftfy may take a long line whole)
                    cur[i] = self._lost_nbsp(cur[i], i, edits)
        script = None
        if self.options.garbage_lines or self.options.stray_glyphs:
            script = self._garbage(text, cur, edits)
        if edits:
            self._settle(lines, cur, edits, script)
        if not edits:
            return doc
        doc.edits.extend(edits)
        kept = [line for line in cur if line is not None]
        if len(kept) < len(cur):
            doc.text = join_lines(kept)
        else:
            joined = "\n".join(kept)
            doc.text = joined[:-1] if added and joined.endswith("\n") else joined
        hints = doc.metadata.get("html_lines")
        if isinstance(hints, list):
            doc.metadata["html_lines"] = _realign(lines, cur, hints)
        return doc

    def _ftfy(self, text: str, cur: list, edits: list[Edit]) -> str:
        fixed_text, changes = self.fixer.fix(text)
        if not changes:
            return text
        numbers = _line_numbers(text, (start for start, *_ in changes))
        chunked = any(not seg.endswith("\n") and start + len(seg) < len(text) for start, seg, *_ in changes)
        for i, (start, seg, fixed, steps) in zip(numbers, changes):
            if not chunked:
                cur[i] = fixed[:-1] if seg.endswith("\n") and fixed.endswith("\n") else fixed
            for rule, before, after in self.fixer.explain(seg, fixed, steps):
                edits.append(Edit(self.name, rule, "replace", before.rstrip("\n"), after.rstrip("\n"), i + 1))
        if chunked:  # ftfy cut a very long line into pieces: take its text whole
            new = fixed_text.split("\n")
            cur[:] = new if len(new) == len(cur) else [fixed_text]
        return fixed_text

    def _line_ends(self, text: str, edits: list[Edit]) -> str:
        """Line ends other than LF become LF here, not only in normalize: ftfy judges each line as a
        whole, and a line that a lone CR would have split reads differently (its mojibake half goes
        unrepaired until a second run). CRLF is left to normalize: ftfy reads it as one line end."""
        if self.fixer is None or not any(m.group() != "\r\n" for m in LINE_SEPARATORS.finditer(text)):
            return text
        found: list[str] = []

        def lf(m: re.Match) -> str:
            if m.group() == "\r\n":
                return m.group()
            found.append(m.group())
            return "\n"

        text = LINE_SEPARATORS.sub(lf, text)
        edits.append(Edit(self.name, "encoding.line_ends", "replace", before="".join(found), after="\n" * len(found)))
        return text

    def _controls(self, cur: list, edits: list[Edit]) -> None:
        """Delete here the control characters ftfy left, which normalize would delete anyway: ftfy
        must see the line as it will be, or a second run (after normalize) finds mojibake the first
        could not (a C1 control inside "\x8dÂ‘" hides it). `_settle` then runs ftfy on those lines."""
        for i, line in enumerate(cur):
            if line is None or "\n" in line:
                continue
            new = CONTROL_CHARS.sub(_keep_cr, line)  # a CR left here ends a CRLF, normalize's job
            if new != line:
                edits.append(Edit(self.name, "encoding.control_chars", "replace", line, new, i + 1))
                cur[i] = new

    def _spaces(self, cur: list, edits: list[Edit]) -> None:
        """Tidy here the spaces normalize will tidy (no-break and wide spaces as one space, none at
        a line's ends) on a line where that changes what ftfy does: ftfy must see the line as it
        will be (it leaves "\xa0éØ·" alone but repairs "éØ·"). `_settle` then runs ftfy on it."""
        for i, line in enumerate(cur):
            if line is not None and "\n" not in line:
                cur[i] = self._tidy_for_ftfy(line, i, edits)

    def _tidy_for_ftfy(self, line: str, i: int, edits: list[Edit]) -> str:
        """`line` with its spaces as normalize will leave them, if ftfy would then change it (an edit
        records that); else `line` itself."""
        if line.isascii() or not _ODD_SPACE.search(line):
            return line
        tidy = SPACES.sub(" ", line).strip()
        if tidy == line or self.fixer.fix_segment(tidy)[0] == tidy:
            return line
        edits.append(Edit(self.name, "encoding.whitespace", "replace", line, tidy, i + 1))
        return tidy

    def _garbage(self, text: str, cur: list, edits: list[Edit]) -> str | None:
        """Garbage lines and stray glyphs, looking only at lines holding a junk glyph or a word that
        switches alphabet. Returns the page's main script it judged them by (None: Latin only)."""
        found = [m.start() for m in _JUNK.finditer(text)]
        mixed = self.options.garbage_lines and _NON_LATIN.search(text) is not None
        if mixed:
            found += [m.start() for m in _MIXPAIR.finditer(text)]
        if not found:
            return None
        main_script = _page_script(text) if mixed else None
        for i in sorted(set(_line_numbers(text, sorted(found)))):
            line = cur[i]
            if line is None or "\n" in line:
                continue
            if self._garbage_line(line, i, main_script, edits):
                cur[i] = None
                continue
            new = self._stray_glyphs(line, i, edits)
            # (a glyph gone can split a word in two: "aΒ\ue800aΒ" -> "aΒ aΒ", two words that switch
            # alphabet, garbage to a second run)
            cur[i] = None if new != line and self._garbage_line(new, i, main_script, edits) else new
        return main_script

    def garbage(self, lines: list[str]) -> list[int]:
        """Which of `lines` (a cleaned page's) this stage would remove as garbage lines if it ran on
        them: judged by their own page's main script. The boilerplate stage asks after its passes,
        since a page it cut can have another main script than the page this stage saw."""
        if not self.options.garbage_lines:
            return []
        text = "\n".join(lines)
        main_script = _judging_script(text)
        if main_script is None and not _JUNK.search(text):
            return []  # (one alphabet and no junk glyph: no line is garbage)
        return [i for i, line in enumerate(lines)
                if "\n" not in line and _candidate(line) and self._is_garbage(line, main_script)]

    def _garbage_line(self, line: str, i: int, main_script: str | None, edits: list[Edit]) -> bool:
        """Whether `line` (input line i) goes as a garbage line; its removal is recorded if so."""
        if not (self.options.garbage_lines and self._is_garbage(line, main_script)):
            return False
        edits.append(Edit(self.name, "encoding.garbage_line", "remove", before=line, line=i + 1))
        return True

    def _stray_glyphs(self, line: str, i: int, edits: list[Edit]) -> str:
        """`line` without its stray glyphs (a line of three letters or more), the change recorded."""
        if not (self.options.stray_glyphs and _STRAY.search(line) and len(_LETTER.findall(line)) >= 3):
            return line
        new = _STRAY.sub(_stray_repl, line)
        edits.append(Edit(self.name, "encoding.stray_glyph", "replace", line, new, i + 1))
        return new

    def _lost_nbsp(self, line: str, i: int, edits: list[Edit]) -> str:
        """`line` without the "Â" a lost no-break space left (step 5), the change recorded."""
        if not self.options.lost_nbsp or "Â" not in line:
            return line
        new = _LOST_NBSP.sub(_drop_last, line)  # (only the "Â"; the spaces before it stay for normalize)
        if new != line:
            edits.append(Edit(self.name, "encoding.lost_nbsp", "replace", line, new, i + 1))
        return new

    def _settle(self, lines: list[str], cur: list, edits: list[Edit], script: str | None) -> None:
        """Run the line steps again on every changed line until it stops changing: one step can
        uncover work for another (a removed glyph frees mojibake for ftfy, ftfy turns an entity into
        the opening quote a truncated sequence needed), and a second run must find nothing to do.
        Then judge the changed lines as garbage lines, as a second run would (see _judge); `script`
        is the main script _garbage judged by."""
        changed = []
        for i, line in enumerate(cur):
            if line is None or line == lines[i] or "\n" in line:
                continue
            cur[i] = self._settled(line, i, "\n" if i < len(cur) - 1 else "", edits)
            changed.append(i)
        if self.options.garbage_lines:
            self._judge(cur, changed, edits, script)

    def _settled(self, line: str, i: int, newline: str, edits: list[Edit], depth: int = 0) -> str:
        """`line` through the line steps (_settle_line). A line separator ftfy's repair made ("â€¨"
        is U+2028) is a line end, as _line_ends would make it on a second run; there each piece is
        a line of its own, settled alone in turn (a "<" in one no longer keeps the other's entities
        escaped; its repair may make another separator; a piece that is garbage alone goes, see
        _judge)."""
        line = self._settle_line(line, i, newline, edits)
        body = line[:-1] if line.endswith("\r") else line  # (a CR at a line's end is a CRLF's)
        if depth >= 8 or not LINE_SEPARATORS.search(body):  # (each level takes a separator out)
            return line
        new = LINE_SEPARATORS.sub("\n", body) + line[len(body):]
        edits.append(Edit(self.name, "encoding.line_ends", "replace", line, new, i + 1))
        pieces = new.split("\n")
        return "\n".join(self._settled(piece, i, "\n" if k < len(pieces) - 1 else newline, edits, depth + 1)
                         for k, piece in enumerate(pieces))

    def _judge(self, cur: list, changed: list[int], edits: list[Edit], script: str | None) -> None:
        """The garbage test on the settled lines, by the main script of the settled page: the one a
        second run counts on this stage's output (_page_script leaves out the lines the test could
        take, so the ones it takes do not change the count). The changed lines are judged, each
        piece of a line that ftfy split on its own; if settling changed the page's script, every
        line the test could take is judged again."""
        main_script = _judging_script("\n".join(line for line in cur if line is not None))
        if main_script != script:
            changed = [i for i, line in enumerate(cur) if line is not None and _candidate(line)]
        for i in changed:
            if cur[i] is not None:
                kept = [p for p in cur[i].split("\n") if not self._garbage_line(p, i, main_script, edits)]
                cur[i] = "\n".join(kept) if kept else None

    def _settle_line(self, line: str, i: int, newline: str, edits: list[Edit]) -> str:
        """The line steps on one line, again until it stops changing (at most four rounds)."""
        no_unescape = self.options.unescape_html == "auto" and "<" in line
        for _ in range(4):
            start = line
            if self.options.truncated_mojibake and "â€" in line:
                new = repair_truncated(line)
                if new != line:
                    edits.append(Edit(self.name, "encoding.truncated_mojibake", "replace", line, new, i + 1))
                    line = new
            if self.fixer is not None:
                line = self._tidy_for_ftfy(line, i, edits)
                seg = line + newline
                fixed, steps = self.fixer.fix_segment(seg, no_unescape)
                if fixed != seg:
                    for rule, before, after in self.fixer.explain(seg, fixed, steps):
                        edits.append(Edit(self.name, rule, "replace", before.rstrip("\n"), after.rstrip("\n"),
                                          i + 1))
                    line = fixed[:-1] if newline and fixed.endswith("\n") else fixed
            if "\n" in line:
                break
            line = self._lost_nbsp(self._stray_glyphs(line, i, edits), i, edits)
            if line == start:
                break
        return line

    def _is_garbage(self, line: str, main_script: str | None) -> bool:
        s = line.strip()
        if not s:
            return False
        size = len(s) - sum(c.isspace() for c in s)  # (a tab or a no-break space, that normalize makes a space, counts as one)
        if size > self.options.garbage_max_chars:
            return False
        junk = len(_JUNK.findall(s))
        if junk * 2 > size and len(_LETTER.findall(s)) < 3:  # mostly junk, no word left (tree lines keep theirs)
            return True
        if main_script is None or not _MIXPAIR.search(s):
            return False
        tokens = [t for t in s.split() if _LETTER.search(t)]
        switching = sum(1 for t in tokens if _MIXPAIR.search(t))
        if switching < 2 or switching * 2 < len(tokens):
            return False
        scripts = {_script(c) for c in _LETTER.findall(s)} - {"other"}
        return len(scripts) >= 2 and main_script not in scripts


# ASCII characters some step acts on: C0 controls (ftfy removes them; its terminal-escape fixer needs ESC)
_ASCII_TRIP = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


# what normalize's SPACES would change: a wide space, two spaces, a space at either end of the line
_ODD_SPACE = re.compile(f"^\\s|\\s$|[{WIDE_SPACE_CHARS}]|  ")


def _drop_last(m: re.Match) -> str:
    return m.group()[:-1]


def _keep_cr(m: re.Match) -> str:
    return "\r" if m.group() == "\r" else ""


def _stray_repl(m: re.Match) -> str:
    """A glyph between two letters stood for something (a dash, an apostrophe): leave a space so
    the words stay apart; anywhere else it leaves nothing."""
    s, a, b = m.string, m.start(), m.end()
    return " " if 0 < a and b < len(s) and s[a - 1].isalnum() and s[b].isalnum() else ""


def _candidate(line: str) -> bool:
    """Whether the garbage test could take `line`: it holds a junk glyph or a word that switches alphabet."""
    return _JUNK.search(line) is not None or _MIXPAIR.search(line) is not None


def _page_script(text: str) -> str:
    """The main script of the lines of `text` the garbage test cannot take (of all of them if those
    have no letters): the same on a page and on what is left of it once garbage lines went."""
    clean = "\n".join(line for line in text.split("\n") if not _candidate(line))
    return _main_script(clean) if _LETTER.search(clean) else _main_script(text)


def _judging_script(text: str) -> str | None:
    """The main script the garbage test judges `text`'s lines by; None when it has no other
    alphabet than Latin (then no word can switch alphabet)."""
    return _page_script(text) if _NON_LATIN.search(text) else None


def _main_script(text: str) -> str:
    """The script most of the text's letters are written in."""
    counts: dict[str, int] = {}
    ascii_letters = len(re.findall("[A-Za-z]", text))
    if ascii_letters:
        counts["latin"] = ascii_letters
    for ch in re.findall("[^\x00-\x7f]", text):
        if ch.isalpha():
            s = _script(ch)
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=counts.get) if counts else "latin"


def repair_truncated(line: str) -> str:
    """Repair "â€" whose third byte was lost: ” after an unclosed opening double quote (itself
    possibly mojibake), a zero-width joiner between emoji mojibake; otherwise left alone."""
    out, pos = [], 0
    for m in _TRUNCATED.finditer(line):
        head = line[:m.start()]
        if line.startswith("ðŸ", m.end()) and "ðŸ" in head[-4:]:
            repl = "\u200d"
        elif len(_OPEN_DQ.findall(head)) > len(_CLOSE_DQ.findall(head)) and head[-1:].strip():
            repl = "”"
        else:
            continue
        out.append(line[pos:m.start()])
        out.append(repl)
        pos = m.end()
    if not out:
        return line
    out.append(line[pos:])
    return "".join(out)


def _line_numbers(text: str, positions) -> list[int]:
    """0-based line index of each offset in `positions` (ascending)."""
    out, line, last = [], 0, 0
    for pos in positions:
        line += text.count("\n", last, pos)
        last = pos
        out.append(line)
    return out


def _realign(lines: list[str], cur: list, hints: list) -> list:
    """Keep metadata["html_lines"] one per non-blank line after lines were changed or removed."""
    out, k = [], 0
    for line, new in zip(lines, cur):
        if not line.strip():
            continue
        if k >= len(hints):
            return hints  # not aligned to begin with: leave as found
        hint = hints[k]
        k += 1
        if new is not None:
            out.extend(hint for piece in new.split("\n") if piece.strip())
    return out if k == len(hints) else hints
