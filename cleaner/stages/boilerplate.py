"""boilerplate: remove the lines that rules, block headings, repeats and the line model mark.

One pass runs four steps over the lines, each seeing what the ones before it left:
  1. rules    line/block rules remove a whole line; prefix/suffix rules trim a fragment, repeated per
              line until no rule matches (a trim can uncover another prefix, or leave a line a line
              rule then matches).
  2. blocks   a line removed by a block rule (a "Related" / "Most read" heading) pulls in the short
              link-title lines under it, up to max_block_lines, stopping at the first prose line
              and before anything that looks like the headline of an article (see _pull_block).
  3. repeats  a line printed more than once (same words, any case): a duplicated paragraph or a
              headline-like line keeps its first occurrence; a sentence-like line whose copies sit
              close together (image alt text + caption) is a caption, and all its copies go.
  4. model    cleaner.linemodel.predict scores the remaining lines; those below model_threshold go.
              HTML input: the first pass passes the html stage's DOM hints, later ones judge text.
Removing lines gives lines new neighbours, which can trigger steps 2-4 anew, so passes repeat until
one changes nothing (at most max_passes): running the stage on its own output then changes nothing.

Every change is an Edit whose `line` is the 1-based line number in the text this call received,
also for changes made in later passes. A whole line removed: action "remove", before = the line. A
trimmed fragment: action "replace", before = the line, after = what is kept. When it removed
anything, the stage also leaves metadata["boilerplate_line_map"]: the input line number of each
output line (the stories stage uses it to see where removed datelines and lists were).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from ..document import Document, Edit
from ..memo import Memo
from ..rules import BLOCK_PREFIX, source_rule
from ..textutil import join_lines

# A line ending like a sentence: terminal punctuation, optionally inside closing quotes/brackets.
_SENTENCE_END = re.compile(r"[.!…:;][\"'”’»)\]]*$")
_CAPTION_END = re.compile(r"(?<!\.\.)\.[\"'”’»)\]]*$")  # a sentence's full stop (not "!", "…", "...": headlines)
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
_TITLE_PARTS = re.compile(r"\s+[|«»·–—-]\s+|\s*::\s*")  # "Headline | Site", "Site « Headline"
# "Price: $20", "Why it stands out:" - a short label and a colon: a field of a repeated list item.
_FIELD = re.compile(r"^\S+(?: \S+){0,3}:(?:\s|$)")
# Rule categories that mark an article's header: a link title followed by one is a headline.
_HEADER_CATEGORIES = frozenset({"byline", "dateline"})
# One comment's header line (its author and time, "Reply", "2 days ago"); a comment widget's lines.
_COMMENT_HEADER = "commenter"
# The heading that opens a comment section ("22 Responses to ..."): the short lines under it are
# its commenters' names (see _name_heads).
_COMMENT_SECTION = "discussion"
# (the stories stage reads comment lines with the same categories)
COMMENT_CATEGORIES = frozenset({_COMMENT_HEADER, "comments", _COMMENT_SECTION})
# A comment count or a comment section's heading (see _counted)
_COUNT_CATEGORIES = COMMENT_CATEGORIES - {_COMMENT_HEADER}
# What a comment section holds, up to its end: comment lines, and the date lines and bylines of
# comments
_SECTION_CATEGORIES = COMMENT_CATEGORIES | _HEADER_CATEGORIES
# A commenter's name alone on its line: up to four words (not a number first, no colon), no
# sentence punctuation at the end.
_NAME_LINE = re.compile(r"^(?=.*[^\W\d_])(?!\d)[^\s:]+(?: [^\s:]+){0,3}(?<![.!?;,])$")


@dataclass(frozen=True)
class Options:
    rules: bool = True  # apply the rule files' line/prefix/suffix/block rules
    blocks: bool = True  # a block heading pulls in the short link-title lines under it
    repeats: bool = True  # repeated headlines keep their first copy; repeated captions go
    model: bool = True  # remove lines the learned line scorer rates below model_threshold
    model_threshold: float = 0.5
    # A run of at most this many lines the scorer removed, right between two kept lines of the
    # input (no line another step removed among them), stays: inside an article such a run is a
    # table's cells or a list's items, short lines the scorer reads as page furniture. 0: off.
    model_gap: int = 40
    # A page has hundreds of lines; a file with more than this is a list or a dump, where the model,
    # trained on pages, has nothing to say, and its per-line evidence would cost memory in
    # proportion (about 4 KB a line). Such files get the rules only.
    model_max_lines: int = 20000
    max_block_lines: int = 15  # most lines one block heading can pull in
    block_line_max_words: int = 16  # a longer line under a heading is prose and ends the block
    block_gap: int = 2  # a run of more lines removed by other rules ends a block
    block_lookahead: int = 3  # in the page header, titles this close above the first prose stay
    block_lookahead_body: int = 0  # the same below the article's first prose
    repeat_min_words: int = 4  # shorter repeated lines ("Reply", "Home") are left to the rules/model
    repeat_paragraph_words: int = 25  # a repeated line longer than this is a duplicated paragraph
    repeat_max_copies: int = 3  # a short line printed more often is a template label, left alone
    caption_distance: int = 3  # copies of a sentence-like line this close (in lines) are a caption
    # Passes stop when one changes nothing: 1 or 2 on real pages (400 dev pages: one round in 552
    # still removed lines at its 4th pass); the cap only bounds pathological input.
    max_passes: int = 12
    # A comment thread after the article goes: comment_min_headers comment header lines (the rules'
    # commenter category), each at most comment_gap lines from the next, with kept text between
    # them, after comment_article_words words of kept text. False keeps the comments' text.
    comments: bool = True
    comment_min_headers: int = 3
    comment_gap: int = 12
    comment_article_words: int = 30
    comment_tail: int = 30  # lines the last comment takes at most (up to a line a rule removed)

    def validate(self) -> str | None:
        if not 0.0 <= self.model_threshold <= 1.0:
            return "model_threshold must be between 0 and 1"
        if self.max_passes < 1:
            return "max_passes must be at least 1"
        if self.model_max_lines < 1:
            return "model_max_lines must be at least 1"
        for name in ("max_block_lines", "block_line_max_words", "block_gap", "block_lookahead", "block_lookahead_body",
                     "repeat_min_words",
                     "repeat_paragraph_words", "repeat_max_copies", "caption_distance", "comment_min_headers",
                     "comment_gap", "comment_article_words", "comment_tail", "model_gap"):
            if getattr(self, name) < 0:
                return f"{name} must not be negative"
        return None


GARBAGE_ROUNDS = 3  # rounds of the encoding stage's garbage test and the passes after them (see _garbage)


class _RuleGroup:
    """The rules of one match kind, found fast. Trying some 150 regexes on every line would cost more
    than the rest of the pipeline, so a line only meets the rules that could match it at all. Two
    facts about each rule, read from its parsed pattern once, decide that:
      - heads: for a start-anchored rule ('^...', most of them), the first characters (up to
        _HEAD) a match can start with; rules are indexed by them, so a line starting "Sha" only
        meets the rules that can start with "sha" (fewer characters when the next can be anything);
      - factors: literal strings one of which every match contains ("cookie", ":", "©"); a line
        that contains none of them (checked with `in`, casefolded) cannot match.
    Rules with neither are tried on every line. Each test also skips lines longer than the rule's
    max_words. Of the rules left, the first in file order that matches names the edit."""

    def __init__(self, rules, prefix_rules: bool = False):
        self.rules = tuple(rules)
        by_head: dict[str, list] = defaultdict(list)
        rest, scripted = [], []
        for k, r in enumerate(self.rules):
            shape = _shape(r.pattern, assume_start=prefix_rules)
            # max_words bounds a line rule's whole line, but only the fragment a prefix/suffix rule cuts
            limit = r.max_words if r.max_words is not None and r.match in ("line", "block") else 1 << 30
            script = re.compile(shape.script, re.IGNORECASE).search if shape.script else None
            entry = (limit, shape.factors, script, r.regex.search, k, r)
            if shape.heads is None and script is not None:
                scripted.append(entry)
            elif shape.heads is None:
                rest.append(entry)
            else:
                for head in shape.heads:
                    by_head[head].append(entry)
        # Longest word allowance first, so a scan stops at the first rule too short for the line.
        self._by_head = {h: tuple(sorted(v, key=lambda e: -e[0])) for h, v in by_head.items()}
        self._rest = tuple(sorted(rest, key=lambda e: -e[0]))
        # unindexed rules that need another script than Latin: met only by lines with such a character
        self._scripted = tuple(sorted(scripted, key=lambda e: -e[0]))
        # keys of a line -> the non-empty entry lists they select (few distinct line heads recur)
        self._lists: dict[tuple[str, ...], tuple] = {}

    def _entries(self, keys: tuple[str, ...]) -> tuple:
        hit = self._lists.get(keys)
        if hit is None:
            found = [self._by_head[key] for key in keys if key in self._by_head]
            hit = tuple(found + [self._rest] if self._rest else found)
            if len(self._lists) < 65536:  # (bounded: a static index of the rules, not of documents)
                self._lists[keys] = hit
        return hit

    def find(self, line: str, words: int, keys: tuple[str, ...] | None = None, gate=None):
        """(rule, (start, end)) of the first rule, in file order, that matches `line`; or None.
        `keys` (from _line_keys) may be passed in when several groups look at the same line."""
        if not self.rules:
            return None
        folded = None
        hits = []
        lists = self._entries(keys or _line_keys(line))
        if self._scripted and not line.isascii() and _OTHER_SCRIPT.search(line):
            lists = (*lists, self._scripted)
        for entries in lists:
            for limit, factors, script, search, k, rule in entries:
                if words > limit:
                    break  # the rest allow even fewer words
                if script is not None and not script(line):
                    continue
                if factors is not None:
                    if folded is None:
                        folded = _fold(line)
                    for f in factors:
                        if f in folded:
                            break
                    else:
                        continue
                if search(line):
                    hits.append((k, rule))
        if len(hits) > 1:
            hits.sort(key=lambda h: h[0])
        for _, rule in hits:
            if gate is not None and rule.lang != "*" and gate.skips(rule, line):
                continue  # a loose pattern of one language ("Photos : ...") on another's line
            span = rule.find(line)  # the exact test: word limits, prefix/suffix spans
            if span is not None:
                return rule, span
        return None


class _LanguageGate:
    """Whether a rule tagged with a language skips a line of this page (see _in_other_language).
    The page's language is worked out only when a tagged rule first matches a line."""

    def __init__(self, text: str, langs: frozenset[str]):
        self.text, self.langs = text, langs
        self.lang: str | None = None
        self.asked = 0  # times a rule was put to the gate (results that depend on it are not memoised)
        self.skipped = 0  # times it kept a rule from a line

    def skips(self, rule, line: str) -> bool:
        self.asked += 1
        if self.lang is None:
            self.lang = _page_language(self.text, self.langs)
        skip = bool(self.lang) and rule.lang != self.lang and _in_other_language(line, rule.lang, self.lang)
        self.skipped += skip
        return skip


def _page_language(text: str, langs: frozenset[str]) -> str:
    """The page's language among `langs` (those the rules are written for), by stopwords: "" unless
    one clearly leads (PAGE_LANG_MIN stopwords, PAGE_LANG_LEAD times the next language's). The next
    language's count leaves out the leader's own stopwords: "a", "to", "in", "of" are stopwords of
    Portuguese, Polish or Dutch too, and an English page full of them is no less English for it."""
    if not langs:
        return ""
    from ..linemodel import stopword_counts, stopwords

    sw = stopwords()
    freq: Counter = Counter()
    for w, n in Counter(_WORD.findall(text)).items():  # (lower-cased once per distinct word)
        freq[w.lower()] += n
    found = stopword_counts(freq, sw)
    counts = sorted(((found.get(code, 0), code) for code in langs if code in sw), reverse=True)
    if not counts or counts[0][0] < PAGE_LANG_MIN:
        return ""
    lead = counts[0][1]
    if len(counts) > 1:
        own = sw[lead]
        rest = stopword_counts(Counter({w: n for w, n in freq.items() if w not in own}), sw)
        if counts[0][0] < PAGE_LANG_LEAD * max(rest.get(code, 0) for _, code in counts[1:]):
            return ""
    return lead


def _in_other_language(line: str, lang: str, page_lang: str) -> bool:
    """Whether `line` holds no stopword of `lang` but one of the page's language: "Photos: Halloween
    in the harbour" on an English page is no French credit line. A line without stopwords ("Sport")
    belongs to no language; any rule may take it. Looked at only when a rule tagged with another
    language than the page's matched."""
    from ..linemodel import stopwords

    sw = stopwords()
    if lang not in sw or page_lang not in sw:
        return False
    words = {w.lower() for w in _WORD.findall(line)}
    return not words & sw[lang] and bool(words & sw[page_lang])


# ------------------------------------------------------------------ regex shape analysis
# Read with the stdlib's own regex parser (re._parser, Python 3.11+). Whatever it cannot tell
# (unknown internals, odd patterns) falls back to the safe answer: "may match any line".


@dataclass(frozen=True)
class _Shape:
    heads: frozenset[str] | None = None  # keyed starts of a start-anchored pattern (see _heads)
    factors: frozenset[str] | None = None  # folded literals, one of which every match contains
    script: str | None = None  # a character class of another script than Latin every match needs


@lru_cache(maxsize=1024)  # a pure function of the pattern; the stories stage indexes some rules too
def _shape(pattern: str, assume_start: bool = False) -> _Shape:
    try:
        from re import _parser as sre

        items = list(sre.parse(pattern).data)
    except Exception:
        return _Shape()
    heads = None
    if assume_start or _anchored(sre, items):
        for k in range(_HEAD, 0, -1):  # as many leading characters as can be listed
            heads = _heads(sre, items, k)
            if heads is not None:
                break
        if heads is not None and "" in heads:  # can match the empty string: any line
            heads = None
    factors = _factors(sre, items)
    ranges = _script_ranges(sre, items)
    script = "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in sorted(ranges)) + "]" if ranges else None
    return _Shape(heads=None if heads is None else frozenset(heads),
                  factors=None if not factors or "" in factors else frozenset(factors), script=script)


def _anchored(sre, items) -> bool:
    """Every path through `items` starts with '^'."""
    if not items:
        return False
    op, av = items[0]
    if op is sre.AT:
        return av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)
    if op is sre.SUBPATTERN:
        return _anchored(sre, list(av[-1]))
    if op is sre.BRANCH:
        return all(_anchored(sre, list(b)) for b in av[1])
    return False


_HEAD = 3  # rules are indexed by up to three leading (keyed) characters a match can start with
_MAX_FACTORS = 6  # more `in` tests than this cost about as much as the regex they would spare
_MAX_HEADS = 5000
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _heads(sre, items, k: int) -> set[str] | None:
    """The keyed starts (see _key) of every text `items` can match, cut at k characters; a string
    shorter than k means a match can end there (the line then goes on with anything). None: the
    pattern can start with too many things to list (\\w, '.', negated classes, ...)."""
    seq = _seq_heads(sre, items, k)
    return None if seq is None else {start for start, _ in seq}


def _seq_heads(sre, items, k: int) -> set[tuple[str, bool]] | None:
    cur = {("", True)}  # (start so far, can later items still add to it)
    for item in items:
        nxt = set()
        by_room: dict[int, set | None] = {}  # what `item` can add depends only on the room left
        for start, open_ in cur:
            if not open_ or len(start) >= k:
                nxt.add((start[:k], False))
                continue
            room = k - len(start)
            if room not in by_room:
                by_room[room] = _item_heads(sre, item, room)
            ext = by_room[room]
            if ext is None:
                return None
            nxt |= {((start + t)[:k], o and len(start + t) < k) for t, o in ext}
        if len(nxt) > _MAX_HEADS:
            return None
        cur = nxt
        if not any(open_ for _, open_ in cur):
            break  # every start is complete: the items left cannot change them
    return cur


def _item_heads(sre, item, k: int) -> set[tuple[str, bool]] | None:
    op, av = item
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # zero width
        return {("", True)}
    if op is sre.LITERAL:
        return {(_key(chr(av)), True)}
    if op is sre.IN:
        keys = _class_keys(sre, av)
        return None if keys is None else {(c, True) for c in keys}
    if op is sre.SUBPATTERN:
        return _seq_heads(sre, list(av[-1]), k)
    if op is sre.BRANCH:
        out: set[tuple[str, bool]] = set()
        for branch in av[1]:
            sub = _seq_heads(sre, list(branch), k)
            if sub is None:
                return None
            out |= sub
            if len(out) > _MAX_HEADS:
                return None
        return out
    if str(op) in _REPEATS:
        lo, hi, sub_items = av
        if lo > k + 1:
            return None
        out, cur = set(), {("", True)}
        by_room: dict[int, set | None] = {}  # one copy's starts depend only on the room left
        for count in range(min(hi, k + 1) + 1):  # k + 1 copies reach k characters or add nothing
            if count >= lo:
                out |= cur
            nxt = set()
            for start, open_ in cur:
                if not open_ or len(start) >= k:
                    nxt.add((start, open_))
                    continue
                room = k - len(start)
                if room not in by_room:
                    by_room[room] = _seq_heads(sre, list(sub_items), room)
                ext = by_room[room]
                if ext is None:
                    return None
                nxt |= {((start + t)[:k], o) for t, o in ext}
            if len(nxt) > _MAX_HEADS:
                return None  # too many to list (the caller tries fewer characters)
            cur = nxt
        return out
    return None  # ANY, NOT_LITERAL, categories, group references, atomic groups...


def _class_keys(sre, av) -> set[str] | None:
    out: set[str] = set()
    for op, a in av:
        if op is sre.LITERAL:
            out.add(_key(chr(a)))
        elif op is sre.RANGE and a[1] - a[0] <= 512:
            out.update(_key(chr(c)) for c in range(a[0], a[1] + 1))
        elif op is sre.CATEGORY and a in (sre.CATEGORY_DIGIT, sre.CATEGORY_UNI_DIGIT):
            out.add("0")
        elif op is sre.CATEGORY and a in (sre.CATEGORY_SPACE, sre.CATEGORY_UNI_SPACE):
            out.add(" ")
        else:  # NEGATE, \\w and other categories, wide ranges
            return None
    return out


def _factors(sre, items) -> set[str] | None:
    """Folded literal strings one of which every match of `items` contains: the rarest such set of
    at most _MAX_FACTORS strings; None if the pattern has none."""
    options = [o for o in _factor_options(sre, items) if len(o) <= _MAX_FACTORS]
    return min(options, key=_rarity) if options else None


def _factor_options(sre, items) -> list[set[str]]:
    """Candidate factor sets of a sequence: each of its required parts gives one or two."""
    options: list[set[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append({_fold("".join(run))})
            run = []
        if op is sre.SUBPATTERN:
            options += _factor_options(sre, list(av[-1]))
        elif op is sre.BRANCH:
            # every branch must contribute a set; try the smallest and the rarest per branch
            per_branch = [_factor_options(sre, list(b)) for b in av[1]]
            if all(per_branch):
                options.append(set().union(*(min(o, key=lambda x: (len(x), _rarity(x))) for o in per_branch)))
                options.append(set().union(*(min(o, key=_rarity) for o in per_branch)))
        elif op is not None and str(op) in _REPEATS and av[0] >= 1:
            options += _factor_options(sre, list(av[2]))
        elif op is sre.IN and len(av) <= 8 and all(o is sre.LITERAL for o, _ in av):
            options.append({_fold(chr(a)) for _, a in av})
        elif op is sre.ASSERT:  # what a lookahead (or lookbehind) requires is in the line too
            options += _factor_options(sre, list(av[1]))
    return [o for o in options if o and "" not in o]


def _script_ranges(sre, items) -> set[tuple[int, int]] | None:
    """Code point ranges, all outside Latin text's alphabet and punctuation, one of which every match
    of `items` contains (the Cyrillic, Chinese or Japanese a rule of those languages needs): a line
    without any cannot match. None when no required part is made of such characters only."""
    for op, av in items:
        found = None
        if op is sre.LITERAL:
            found = {(av, av)}
        elif op is sre.IN and av and all(o in (sre.LITERAL, sre.RANGE) for o, _ in av):
            found = {(a, a) if o is sre.LITERAL else tuple(a) for o, a in av}
        elif op is sre.SUBPATTERN:
            found = _script_ranges(sre, list(av[-1]))
        elif op is sre.BRANCH:
            per_branch = [_script_ranges(sre, list(b)) for b in av[1]]
            found = set().union(*per_branch) if all(per_branch) else None
        elif op is not None and str(op) in _REPEATS and av[0] >= 1:
            found = _script_ranges(sre, list(av[2]))
        elif op is sre.ASSERT:
            found = _script_ranges(sre, list(av[1]))
        if found and all(_other_script(a) and _other_script(b) and not a <= 0x1eff <= b and not a <= 0x2bff <= b
                         for a, b in found):
            return found
    return None


def _other_script(cp: int) -> bool:
    # Latin text holds ASCII, Latin-1 and Latin Extended letters (Vietnamese's too), combining marks,
    # and the general punctuation and symbols (curly quotes, dashes, arrows, ...): none of those may
    # make the filter.
    return cp >= 0x370 and not 0x1e00 <= cp <= 0x1eff and not 0x2000 <= cp <= 0x2bff


# Every character _other_script admits (a superset of each rule's class, case-insensitively too, as
# no admitted range straddles an excluded one: see _script_ranges).
_OTHER_SCRIPT = re.compile(r"[\u0370-\u1dff\u1f00-\u1fff\u2c00-\U0010ffff]", re.IGNORECASE)


# How often a character turns up in text, roughly: the factor set least likely to be in a line wins.
def _rarity(strings: set[str]) -> float:
    def p(s: str) -> float:
        out = 1.0
        for c in s:
            out *= 0.16 if c == " " else 0.06 if c.isalpha() else 0.02 if c in ".,0123456789" else 0.004
        return out
    return sum(p(s) for s in strings)


@lru_cache(maxsize=4096)  # a pure function of one character
def _key(c: str) -> str:
    """One character as the head index sees it: casefolded (so it covers what a case-sensitive or
    (?i) pattern can match), every digit as "0" and every space as " " (as \\d and \\s see them)."""
    if c.isdecimal():
        return "0"
    if c.isspace():
        return " "
    return _fold(c)[:1]


def _line_keys(line: str) -> tuple[str, ...]:
    """The head index keys of a line: its first 1.._HEAD keyed characters (distinct, longest first)."""
    head = line[:_HEAD]
    if not (head.isascii() and head.isalpha()):  # the common case is cheap; else key each character
        head = "".join(_key(c) for c in head)
    else:
        head = head.lower()
    return tuple(dict.fromkeys(head[:k] for k in range(len(head), 0, -1)))


def _fold_table() -> dict[int, str]:
    # (?i) also pairs a few characters that casefolding keeps apart (dotless i and i, long s and s,
    # the Kelvin sign...); the regex module lists them. Fold each such group to one character.
    try:
        from re._casefix import _EXTRA_CASES
    except ImportError:
        return {}
    table: dict[int, str] = {}
    for a, others in _EXTRA_CASES.items():
        group = [a, *others]
        for c in group:
            table[c] = chr(min(group))
    return table


_FOLD = _fold_table()  # a constant derived from the stdlib, not a cache: same for every document


def _fold(text: str) -> str:
    return text.casefold().translate(_FOLD)


class Stage:
    name = "boilerplate"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        if ruleset is None:
            from ..rules import load_rules

            ruleset = load_rules()
        # Language-specific rules name an edit before language-neutral ones ("Kommentare (12)" is a
        # de.comments rule before it is a generic counter); otherwise the rule files' order.
        rules = sorted(ruleset.rules, key=lambda r: r.lang == "*")
        self._categories = {r.id: r.category for r in rules}
        self._langs = frozenset(r.lang for r in rules if r.lang != "*")  # the languages the rules are for
        self._lines = _RuleGroup([r for r in rules if r.match in ("line", "block")])
        self._prefix = _RuleGroup([r for r in rules if r.match == "prefix"], prefix_rules=True)
        self._suffix = _RuleGroup([r for r in rules if r.match == "suffix"])
        self._encoding = None  # the pipeline's encoding stage (bind), for its garbage-line test
        # line text -> what the rules do to it: a pure function of the text, kept across calls
        # (a corpus repeats its menus and footers, and split-off stories are cleaned again)
        self._memo = Memo(RULE_MEMO_LINES)
        self._repeat_keys = Memo(RULE_MEMO_LINES)  # line text -> its repeat key

    def bind(self, stages) -> None:
        """The pipeline hands over its stages: the encoding stage's garbage-line test runs again on
        what the passes keep (see _garbage)."""
        self._encoding = next((st for st in stages if getattr(st, "name", "") == "encoding"), None)

    def warm(self) -> None:
        from .. import linemodel

        if self.options.model:
            linemodel.warm()
        else:
            linemodel.stopwords()

    # ------------------------------------------------------------------ driver
    def __call__(self, doc: Document) -> Document:
        start = _compact([(n, line) for n, line in enumerate(doc.text.split("\n"), 1)])
        dom = _dom_hints(start, doc.metadata.get("html_lines"))
        gate = _LanguageGate(doc.text, self._langs)
        items, edits = self._passes(start, dom, gate)
        if gate.skipped and _page_language(join_lines(text for _, text in items), self._langs) != gate.lang:
            # The gate kept a line for the page's language, but the cleaned text reads as another
            # (or none): cleaned again, it would lose that line. Without the gate, as before it.
            items, edits = self._passes(start, dom, None)
        items, edits = self._garbage(items, edits, gate)
        if edits and not any(text.strip() for _, text in items):
            items, edits = _keep_headline(items, edits, doc.metadata.get("headline"), doc.metadata.get("title"))
        if edits:
            edits.sort(key=lambda e: e.line or 0)  # stable: a line's trims stay before its removal
            doc.edits.extend(edits)
            doc.text = join_lines(text for _, text in items)
            # For later stages (stories): the input line number of each output line. `items` is
            # already in join_lines' shape, so its lines are the output's, one for one.
            doc.metadata["boilerplate_line_map"] = [n for n, _ in items]
        return doc

    def _garbage(self, items: list[tuple[int, str]], edits: list[Edit],
                 gate: "_LanguageGate | None") -> tuple[list[tuple[int, str]], list[Edit]]:
        """The kept lines the encoding stage would remove as garbage on a second run. Whether a line
        whose words switch alphabet is garbage depends on the page's main script, and the passes may
        have removed every line of the script the encoding stage counted (a page mixing alphabets
        line by line): judged again on what is kept, they go, and the passes run again over what is
        left, as a second run would, until nothing more goes (GARBAGE_ROUNDS at most)."""
        if self._encoding is None:
            return items, edits
        for _ in range(GARBAGE_ROUNDS):
            drop = set(self._encoding.garbage([text for _, text in items]))
            if not drop:
                break
            edits = edits + [Edit(self.name, "encoding.garbage_line", "remove", before=text, line=n)
                             for k, (n, text) in enumerate(items) if k in drop]
            items, more = self._passes(_compact([item for k, item in enumerate(items) if k not in drop]), None, gate)
            edits += more
        return items, edits

    def _passes(self, items: list[tuple[int, str]], dom: dict[int, dict] | None,
                gate: "_LanguageGate | None") -> tuple[list[tuple[int, str]], list[Edit]]:
        evidence: dict = {}  # the line model's per-line evidence, for this call only
        start = items
        base = self._round(items, dom, gate, evidence)
        # (model_gap is for plain text: on HTML the DOM already says where the article's blocks are,
        # and bringing the gaps back cost 0.003 F1 on one set there)
        if not (self.options.model and self.options.model_gap > 0 and dom is None):
            return base
        items, edits, restored = self._restore_gaps(start, *base)
        if not restored:
            return base
        # Lines brought back change what the scorer sees around them, so a second run of the stage
        # over this output could remove more. The stage runs again over its own output, as that
        # run would (as text), until a round gives back all it takes (a fixed point). A round may
        # take back restored lines; if it removes a line the scorer kept without them, or does not
        # settle in GAP_ROUNDS, the page keeps what the passes alone kept.
        kept = {n for n, text in base[0] if text.strip()}
        for _ in range(GAP_ROUNDS):
            again, more = self._round(items, None, gate, evidence)
            if any(e.line in kept for e in more if e.action == "remove"):
                return base
            again, more, _ = self._restore_gaps(items, again, more)
            if not more:
                return items, edits
            items, edits = again, edits + more
        return base

    def _round(self, start: list[tuple[int, str]], dom: dict[int, dict] | None, gate: "_LanguageGate | None",
               evidence: dict) -> tuple[list[tuple[int, str]], list[Edit]]:
        """The passes over `start`: the kept items and the edits."""
        items: list[tuple[int, str]] = start
        edits: list[Edit] = []
        for k in range(self.options.max_passes):
            # Later passes judge the text as text: the DOM evidence says what the page's blocks
            # were, and a second run over this stage's output (plain text) would not have it. So
            # a first pass with DOM evidence is always followed by one without, even if it changed
            # nothing.
            # Only the first pass needs the rules: the lines it keeps are what the rules leave
            # (each trimmed until no rule matches), and later passes only remove lines.
            items, new = self._pass(items, dom if k == 0 else None, evidence, rules=k == 0, gate=gate)
            if not new and (k > 0 or dom is None):
                break
            edits += new
            items = _compact(items)
        return items, edits

    def _restore_gaps(self, start: list[tuple[int, str]], items: list[tuple[int, str]],
                      edits: list[Edit]) -> tuple[list[tuple[int, str]], list[Edit], int]:
        """The model_gap option, once the passes are done: a run of lines the scorer removed that
        sits, in the input, right between two kept lines comes back. (Within the passes it would
        not hold: each pass scores the lines again, and a run at the edge of what is left goes.)"""
        from ..linemodel import fill_gaps

        scored = {e.line: e for e in edits if e.rule == "model.line"}
        if not scored:
            return items, edits, 0
        kept = dict(items)
        rows = [n for n, text in start if text.strip()]
        # linemodel.fill_gaps over the input's rows, a line another step removed counted as one
        # word in runs allowed none: such a line is no gap, and a run that holds it stays removed
        filled = fill_gaps([0 if n in scored else 1 for n in rows], [1.0 if n in kept else 0.0 for n in rows],
                           self.options.model_gap, 0)
        back = {n for n, v in zip(rows, filled) if v >= 0.5 and n not in kept}
        if not back:
            return items, edits, 0
        lines = [(n, kept[n] if n in kept else scored[n].before if n in back else text) for n, text in start
                 if n in kept or n in back or not text.strip()]
        return _compact(lines), [e for e in edits if not (e.rule == "model.line" and e.line in back)], len(back)

    def _pass(self, items: list[tuple[int, str]], dom: dict[int, dict] | None = None,
              evidence: dict | None = None, rules: bool = True,
              gate: "_LanguageGate | None" = None) -> tuple[list[tuple[int, str]], list[Edit]]:
        """One run of the five steps. Returns the kept (line number, text) items and the edits.
        rules=False skips step 1 (for lines that are already what the rules leave)."""
        edits: list[Edit] = []
        removed: dict[int, Edit] = {}  # index in items -> its removal
        items = list(items)
        headings: list[tuple[int, str]] = []
        if self.options.rules and rules:
            for i, (n, text) in enumerate(items):
                if not text.strip():
                    continue
                result = self._memo.get(text)
                if result is None:
                    asked = gate.asked if gate is not None else 0
                    result = self._apply_rules(text, gate)
                    if gate is None or gate.asked == asked:
                        self._memo[text] = result  # (not when the page's language had a say)
                kept, steps, block = result
                line_edits = [Edit(self.name, rule_id, action, before=before, after=after, line=n)
                              for rule_id, action, before, after in steps]
                if kept is None:
                    edits += line_edits[:-1]
                    removed[i] = line_edits[-1]
                    if block:
                        headings.append((i, block))
                else:
                    edits += line_edits
                    items[i] = (n, kept)
        if self.options.blocks:
            for i, rule_id in headings:
                self._pull_block(items, removed, i, rule_id)
        if self.options.repeats:
            self._drop_repeats(items, removed)
        if self.options.model:
            self._apply_model(items, removed, dom, evidence)
        if self.options.comments and rules:  # the first pass: its rules removed the headers
            self._drop_thread(items, removed)
        edits += removed.values()
        kept = [item for i, item in enumerate(items) if i not in removed]
        return kept, edits

    # ------------------------------------------------------------------ step 1: rules
    def _apply_rules(self, text: str, gate: "_LanguageGate | None" = None) -> tuple[str | None, tuple, str | None]:
        """Apply the rules to one line until none matches. Returns (the kept text, or None if the
        line goes; the steps (rule id, action, before, after) in order; the block rule id if a block
        heading removed it)."""
        steps = []
        while True:
            words = len(text.split())
            keys = _line_keys(text)
            hit = self._lines.find(text, words, keys, gate)
            if hit:
                rule = hit[0]
                steps.append((rule.id, "remove", text, ""))
                return None, tuple(steps), rule.id if rule.match == "block" else None
            hit = self._prefix.find(text, words, keys, gate) or self._suffix.find(text, words, keys, gate)
            if not hit:
                return text, tuple(steps), None
            rule, (start, end) = hit
            rest = (text[:start] + text[end:]).strip()  # strictly shorter: the loop ends
            if not rest:
                steps.append((rule.id, "remove", text, ""))
                return None, tuple(steps), None
            steps.append((rule.id, "replace", text, rest))
            text = rest

    # ------------------------------------------------------------------ step 2: blocks
    def _is_link_title(self, text: str) -> bool:
        """A line that can sit in a related/most-read list: short, not shaped like a sentence, and
        not a piece of one (a line starting in lower case or ending in a comma continues prose
        broken across lines)."""
        words = len(text.split())
        if words > self.options.block_line_max_words or text[:1].islower() or text.endswith(","):
            return False
        return not (words >= 3 and _SENTENCE_END.search(text))

    def _pull_block(self, items, removed: dict[int, Edit], heading: int, rule_id: str) -> None:
        """Remove the link titles under a heading. The list ends:
          - at a prose line;
          - at a run of more than block_gap lines other rules removed (a date or a counter between
            titles does not end it; a whole widget does);
          - before a title followed by a byline or dateline (removed by their rules): that title is
            the headline of the next story, not a link;
          - in the page header (no prose above the heading yet), before the titles within
            block_lookahead lines of the first prose: a sidebar list often runs straight into the
            article's own headline there."""
        o = self.options
        # (only the first lines after the heading can be in the block: a page's other headings must
        # not make this a scan of the rest of the page each)
        live = list(islice((j for j in range(heading + 1, len(items)) if items[j][1].strip() and j not in removed),
                           o.max_block_lines + o.block_lookahead + 2))
        window = live[: o.max_block_lines + o.block_lookahead + 1]
        prose_at = next((k for k, j in enumerate(window) if not self._is_link_title(items[j][1])), None)
        last = min(len(live), o.max_block_lines)
        if prose_at is not None:
            in_header = not any(items[j][1].strip() and j not in removed and not self._is_link_title(items[j][1])
                                for j in range(heading))
            last = min(last, prose_at - (o.block_lookahead if in_header else o.block_lookahead_body))
        for k, j in enumerate(live[:max(last, 0)]):
            start = live[k - 1] + 1 if k else heading + 1
            if sum(1 for i in range(start, j) if items[i][1].strip()) > o.block_gap:
                return  # every non-blank line between two live ones was removed by another rule
            following = live[k + 1] if k + 1 < len(live) else len(items)
            if any(i in removed and self._categories.get(removed[i].rule) in _HEADER_CATEGORIES
                   for i in range(j + 1, following)):
                return
            n, text = items[j]
            removed[j] = Edit(self.name, BLOCK_PREFIX + rule_id, "remove", before=text, line=n)

    # ------------------------------------------------------------------ step 3: repeats
    def _drop_repeats(self, items, removed: dict[int, Edit]) -> None:
        o = self.options
        keys = self._repeat_keys  # line text -> its repeat key (None: too short or no letters)
        live = [i for i, (_, text) in enumerate(items) if text.strip() and i not in removed]
        groups: dict[str, list[int]] = defaultdict(list)  # key -> positions in `live`
        for pos, i in enumerate(live):
            text = items[i][1]
            try:
                key = keys[text]
            except KeyError:
                words = text.split()
                key = keys[text] = (" ".join(words).casefold()
                                    if len(words) >= o.repeat_min_words and _LETTER.search(text) else None)
            if key is not None:
                groups[key].append(pos)
        for positions in groups.values():
            if len(positions) < 2:
                continue
            first_text = items[live[positions[0]]][1]
            words = len(first_text.split())
            close = min(b - a for a, b in zip(positions, positions[1:])) <= o.caption_distance
            caption = words <= o.repeat_paragraph_words and close and _CAPTION_END.search(first_text)
            # (a sentence printed again and again a few lines apart is a slideshow's caption, not a label)
            many = len(positions) > o.repeat_max_copies and not (caption and _sentence_like(first_text))
            if words <= o.repeat_paragraph_words and (many or _FIELD.match(first_text)):
                continue  # recurring labels and "Field: value" lines repeat legitimately in lists
            if caption:
                rule, drop = "repeat.caption", positions  # a caption printed twice: all copies go
            else:
                rule, drop = ("repeat.paragraph" if words > o.repeat_paragraph_words else "repeat.line"), positions[1:]
            for pos in drop:
                n, text = items[live[pos]]
                removed[live[pos]] = Edit(self.name, rule, "remove", before=text, line=n)

    # ------------------------------------------------------------------ step 4: line model
    def _apply_model(self, items, removed: dict[int, Edit], dom: dict[int, dict] | None,
                     evidence: dict | None = None) -> None:
        """Score the lines left after this pass's removals with the learned line model and remove
        those below the threshold. HTML input passes the html stage's DOM hints for those lines."""
        from .. import linemodel

        live = [i for i, (_, text) in enumerate(items) if text.strip() and i not in removed]
        if not live or len(live) > self.options.model_max_lines:
            return
        hints = [dom.get(items[i][0], {}) for i in live] if dom else None
        lines = tuple(items[i][1] for i in live)
        last = evidence.get(_LAST_SCORES) if evidence is not None else None
        if hints is None and last is not None and last[0] == lines:
            scores = last[1]  # the same lines as the last pass's model saw: the same scores
        else:
            scores = linemodel.predict(list(lines), hints, evidence)
            if evidence is not None and hints is None:
                evidence[_LAST_SCORES] = (lines, scores)
        for i, p in zip(live, scores):
            if p < self.options.model_threshold:
                n, text = items[i]
                removed[i] = Edit(self.name, "model.line", "remove", before=text, line=n, score=float(p))

    # ------------------------------------------------------------------ step 5: comment threads
    def _category(self, edit: Edit) -> str:
        return self._categories.get(source_rule(edit.rule), "")

    def _drop_thread(self, items, removed: dict[int, Edit]) -> None:
        """Remove a comment thread: comment header lines (a name and a time, "Reply", "2 days ago")
        recurring every few lines with kept text between them, after an article. The line model
        keeps a comment's text - it is prose - but a run of headers says whose it is. From the run's
        first header to the end of its last comment (up to the next line a rule of another kind
        removed, comment_tail lines at most), the kept lines go as `comments.thread`."""
        o = self.options
        rows = [i for i, (_, text) in enumerate(items) if text.strip()]
        cats = [self._category(removed[i]) if i in removed else "" for i in rows]
        heads = sorted({k for k, c in enumerate(cats) if c == _COMMENT_HEADER}
                       | set(self._name_heads(items, rows, cats)))
        if len(heads) < o.comment_min_headers:
            return
        runs = [[heads[0]]]
        for k in heads[1:]:
            if k - runs[-1][-1] <= o.comment_gap:
                runs[-1].append(k)
            else:
                runs.append([k])
        kept_words = [0]  # kept_words[k]: the words of the kept lines among rows[:k]
        for i in rows:
            kept_words.append(kept_words[-1] + (0 if i in removed else len(items[i][1].split())))
        for run in runs:
            first, last = run[0], run[-1]
            if len(run) < o.comment_min_headers or kept_words[last] == kept_words[first]:
                continue  # too few headers, or no comment text between them
            if kept_words[first] < o.comment_article_words and not (kept_words[first] and _counted(cats, first)):
                continue  # a guestbook: comments and no article (unless a comment count says where it ends)
            end = last
            while end + 1 < len(rows) and end + 1 - last <= o.comment_tail:
                cat = cats[end + 1]
                if cat and cat not in COMMENT_CATEGORIES:
                    break  # a rule's removal (the line model's or a repeat's have no category)
                end += 1
            if first >= 2 and cats[first - 2] in _COUNT_CATEGORIES and not cats[first - 1] \
                    and _NAME_LINE.match(items[rows[first - 1]][1].strip()):
                first -= 1  # the first commenter's name, between the count and its "said..."
            for k in range(first, end + 1):
                if rows[k] not in removed:
                    n, text = items[rows[k]]
                    removed[rows[k]] = Edit(self.name, "comments.thread", "remove", before=text, line=n)

    def _name_heads(self, items, rows, cats) -> list[int]:
        """Under a comment section's heading ("22 Responses to ...": a line a rule of the
        discussion category removed), a comment's header is often its author's name alone, on
        a short line no rule knows, and its date line reads like an article's. Those lines (up to the
        next line a rule of another kind removed) count as comment headers too: the run test in
        _drop_thread still asks for several of them, with kept text between them."""
        out: list[int] = []
        k = 0
        while k < len(rows):
            if cats[k] != _COMMENT_SECTION:
                k += 1
                continue
            k += 1
            while k < len(rows) and (not cats[k] or cats[k] in _SECTION_CATEGORIES or self._inside_section(cats, k)):
                if cats[k] in _HEADER_CATEGORIES or (not cats[k] and _NAME_LINE.match(items[rows[k]][1].strip())):
                    out.append(k)
                k += 1
        return out

    def _inside_section(self, cats, k: int) -> bool:
        """Whether the line at row k, which a rule of another kind removed, is one comment's own
        line (a comment that is only a link) rather than the section's end: it stands alone, and
        the comments' date lines or header lines go on within comment_gap rows after it."""
        if k + 1 < len(cats) and cats[k + 1] and cats[k + 1] not in _SECTION_CATEGORIES:
            return False
        ahead = cats[k + 1:k + 1 + self.options.comment_gap]
        return any(c in _HEADER_CATEGORIES or c == _COMMENT_HEADER for c in ahead)


# A page's language for the rules: PAGE_LANG_MIN stopwords at least, PAGE_LANG_LEAD times those of the
# next language (when the gate kept a line, the cleaned text must read as the same language: see
# Stage.__call__).
PAGE_LANG_MIN, PAGE_LANG_LEAD = 20, 3
CAPTION_SENTENCE_WORDS = 10  # a caption repeated more than repeat_max_copies times is this long at least
GAP_ROUNDS = 3  # rounds of the stage over its own output after model_gap restored lines (see _passes)
RULE_MEMO_LINES = 20_000  # lines whose rule results a stage remembers (a few MB)
_LAST_SCORES = object()  # key in the per-call evidence dict: (lines, scores) of the last model call


def _sentence_like(text: str) -> bool:
    """A line long enough to be a sentence (CAPTION_SENTENCE_WORDS words), not a label."""
    return len(text.split()) >= CAPTION_SENTENCE_WORDS


def _counted(cats: list[str], first: int, lookback: int = 3) -> bool:
    """Whether a comment count or a comment section's heading ("13 comments:") stands within
    `lookback` rows above the thread's first header: then the little kept text above it (a photo
    post's caption) is the page's article, not a comment."""
    return any(c in _COUNT_CATEGORIES for c in cats[max(0, first - lookback):first])


def _keep_headline(items, edits: list[Edit], headline, title) -> tuple[list[tuple[int, str]], list[Edit]]:
    """Nothing left, but the page has a headline (an HTML page of photos, a video, a stub): its
    headline line, or the line its <title> names (the title without the site's name), stays,
    rather than an empty output -- if the line model removed it (what a rule removes, it removes
    from the cleaned text too; the line model leaves a one-line text alone)."""
    names = [str(headline or "").strip().casefold(),
             *(part.strip().casefold() for part in _TITLE_PARTS.split(str(title or "")))]
    for name in filter(None, names):
        for k, e in enumerate(edits):
            if (e.action == "remove" and e.rule.startswith("model.") and e.line is not None and "\n" not in e.before
                    and e.before.strip().casefold() == name):
                return [(e.line, e.before)], edits[:k] + edits[k + 1:]
    return items, edits


def _dom_hints(items: list[tuple[int, str]], hints) -> dict[int, dict] | None:
    """The html stage's per-line DOM hints (metadata["html_lines"], one per non-blank line of its
    output) keyed by line number here, when the non-blank lines still correspond one to one."""
    if not isinstance(hints, list) or not hints:
        return None
    numbers = [n for n, text in items if text.strip()]
    if len(numbers) != len(hints) or not all(isinstance(h, dict) for h in hints):
        return None
    return dict(zip(numbers, hints))


def _compact(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The line list join_lines would produce: no blank lines at either end, none doubled."""
    out: list[tuple[int, str]] = []
    for item in items:
        if not item[1].strip():
            if out and out[-1][1].strip():
                out.append(item)
            continue
        out.append(item)
    while out and not out[-1][1].strip():
        out.pop()
    return out
