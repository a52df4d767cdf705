"""stories: find secondary stories bundled after the main one; split them off, annotate or drop them.

Every block start (a line after a blank line) is a candidate boundary. Evidence there is scored and
summed; a boundary needs `threshold` points and `min_words` words of prose on both sides:

  headline  the block starts with a headline-like line (3-20 words, capitalised, no terminal
            punctuation but a short title's trailing "…"; not a sentence wrapped onto a next line
            that goes on in lower case, not an item of a numbered list "5. ..."), possibly after a
            date line; a title that reads as a date ("The Week: July 20, 2012") is one when a date
            line of its own follows it
  meta      ... and a date line, byline, "updated" stamp or bullet standfirst follows it within a few
            lines -- still in the text, or removed right there by the boilerplate stage (its edits
            say which rule removed what at which line; the rule's category says it was a byline).
            Bylines and "updated" stamps are recognised by the rule files' byline/dateline
            categories (data, not code); dates structurally (a year, a numeric date, a clock
            time -- not a price). A date line or byline belongs to the nearest headline above it
            (not to one further up, across another headline); bullets of two sentences or more
            are a list's items, no standfirst.
  separator a block the boilerplate stage removed (most-read list, newsletter box, ...) lies between
            the prose before and the candidate
  ending    the text before ends like a story does: a sign-off "(Editing by ...)", "— ...", "©"
            after its last paragraph (after verse or a quote, "— Name" is an epigraph's credit)
  topic     the prose just before and just after share little vocabulary, compared with how much
            each side shares with itself (cosine of counts of words of 5+ letters)
  html      the html stage's hints put the line in a new <article> element, or it is a second <h1>
  page_end  a page footer the boilerplate stage removed (two lines or more: one footer-like link,
            "Support", may be a label in an article) lies between them
  (meta also counts, weaker, a date line or byline removed there when no headline is left)

Naive text of two glued pages: the boilerplate stage's line model often removes the second page
whole (after the first page's footer everything looks like boilerplate). When that stage left its
line map, this stage rebuilds its input from the edits, finds boundaries in a view that puts back
the prose lines the line model removed (a boundary next to such lines needs a header, a long run of
prose, and more evidence), cuts that input there and runs the boilerplate stage again on each part
alone, the main story too (so cleaning an output again changes nothing). A part with little prose
left is no story (the first page's tail); a main story the boilerplate stage kept (almost) nothing
of, a short one before one many times as long, or a list of cards (title lines over one short
paragraph or excerpt each: a menu's or a listing's teasers; an article's short sections under an
intro paragraph are none) before a longer one, is a page's preamble: no split (a story under its
own header -- a headline, then a date line or byline -- needs less: min_words, and a main story of
min_story_words before it is no preamble, unless the story is twenty times as long). A part split
off that is a listing of other stories -- teaser pairs, cards under its headline with no intro
longer than a card, or one teaser cut off with "..." -- is no story either: it goes
(`stories.teasers`). A boundary whose part is no story is no boundary: the boundaries
are looked for again without it (RETRIES times), as a stronger candidate may have hidden the real
one nearby. A story found at a removed headline the view put back starts at that headline (or
at a date line or byline removed right above it): the other removed lines between the two stories
(an author's name) end the story before. Without a line map (or in keep mode, or with HTML hints)
it works on the text as it is.

Idempotence: a part is judged in the whole file, a re-clean sees it alone (other topic windows,
no part after it, the boilerplate stage's view of a shorter page), and could find a boundary in it.
So every output part is cleaned again here as a re-clean would (the boilerplate stage, if the
pipeline runs it, then this stage); where that splits it, its pieces are the output, each checked
the same way. A piece split off the main story that would not be a story here (short, before a
longer story) is dropped, like such a part is. A page where no boundary was found is looked at
once more as its output alone, as a re-clean sees it (no removed lines around it, no DOM hints):
where that finds one, the split is made now. clean(clean(x)) then splits nothing.

Guards keep single articles whole: a boundary with no date line or byline (kept or removed), no
page footer, sign-off, <article> or removed box (most-read list, newsletter) needs a point more,
since removed lines and a change of subject happen inside one page too; a subheading has no meta
and no topic shift; time-only stamps (live blogs) are weak meta; a heading pattern that repeats
through the text without any topic shift (live blog entries, Q&A, FAQ sections) is discounted
(date lines and bylines count as one pattern, bullet standfirsts as another); the topic term
turns negative when the two sides are as alike as each side is to itself.
"""
from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from functools import lru_cache
from itertools import groupby, islice
from importlib import resources
from dataclasses import dataclass, field, replace
from typing import Any

from ..document import Document, Edit
from ..memo import Memo
from ..rules import source_rule
from ..textutil import join_lines
from .boilerplate import COMMENT_CATEGORIES, _RuleGroup

MODES = ("split", "keep", "drop")


@dataclass(frozen=True)
class Options:
    mode: str = "split"  # split: stories to doc.stories | keep: annotate only | drop: remove them
    threshold: float = 3.0  # evidence score a boundary needs
    min_words: int = 50  # prose words each side of a boundary must have (main story and new story)
    min_story_words: int = 80  # a part cleaned again on its own keeps this much prose, or it is no story
    window_words: int = 120  # topic words (5+ letters) compared on each side of a candidate
    lookahead: int = 6  # lines after a headline searched for its date line / byline / standfirst
    min_headline_words: int = 3
    max_headline_words: int = 20
    separator_lines: int = 3  # removed lines between two prose blocks that count as a separator
    lead_lines: int = 8  # a new story opens with prose: its first lead_lines lines after the header
    lead_words: int = 50  # (headline, date, byline) hold lead_words words of prose (half that if no
    # date line or comment header follows within those lines: then it is no teaser list)

    def validate(self) -> str | None:
        if self.mode not in MODES:
            return f"mode must be one of {', '.join(MODES)}, got {self.mode!r}"
        if self.threshold <= 0:
            return "threshold must be positive"
        if self.min_words < 1 or self.window_words < 10 or self.lookahead < 1 or self.min_story_words < 1:
            return "min_words and min_story_words must be >= 1, window_words >= 10, lookahead >= 1"
        if not 1 <= self.min_headline_words <= self.max_headline_words:
            return "need 1 <= min_headline_words <= max_headline_words"
        return None


# Evidence weights. Together with Options.threshold (3.0): a headline plus a full date or byline
# (1 + 2) is enough on its own; a headline with no meta needs a clear topic shift plus one more cue.
W_HEADLINE, W_TITLECASE, W_QUESTION = 1.0, 0.3, 0.6
W_DATE, W_BYLINE, W_TIME, W_BULLETS, W_SECOND_META = 2.0, 2.0, 0.8, 1.2, 0.3
W_SEPARATOR, W_ENDING, W_TOPIC = 1.0, 1.0, 2.2
W_RESTORED = -2.0  # next to prose only the restored view shows (see _restored_view)
SANDWICHED_STORY_WORDS, SANDWICH_RATIO = 200, 1.1  # ... and this, when a longer story follows
RESTORED_STORY_WORDS, RESTORED_STORY_PARAGRAPHS = 120, 2  # ... and this, when found by restored lines
CLASSIFIER_MEMO_LINES = 20_000  # lines whose features the stage remembers
RESTORED_HEADED_WORDS = 60  # ... or this, in one paragraph or more, when they hold a story's header
RETRIES = 2  # times the boundaries are looked for again without those whose part was no story
MAIN_ALONE_WORDS, MAIN_ALONE_SHARE = 200, 0.2  # a main story cleaned alone with this much prose (and
# this share of what follows) is one, whatever the page's view
PREAMBLE_WORDS, PREAMBLE_RATIO = 150, 8  # a main story this short before one 8x as long: a preamble
PREAMBLE_EXTREME_RATIO = 20  # ... even under the new story's own header, before one 20x as long
# A main story made of cards (a title line over one short paragraph or an excerpt ending in "..."),
# before a longer story: a menu's or a listing's teasers, the page's article comes after them
CARD_WORDS, CARD_TITLE_WORDS, CARDS_MIN, CARDS_SHARE, CARDS_RATIO = 40, 15, 3, 0.75, 1.5
# ... unless it opens with an intro: a paragraph with no title over it, longer than a menu's tagline
# (a card whose title the line model dropped) or followed by another paragraph
INTRO_WORDS = 20
HEADER_LINES = 3  # lines a split-off story's header takes above its first paragraph (headline, date, byline)
COMMENT_META_LINES = 6  # removed lines a comment's header takes at most (name, date, "Reply", ...)
COMMENT_LOOKAHEAD = 8  # ... looked for between the first lines of prose after a story's header
TEASER_PARAGRAPHS = 2  # a split-off part this short whose prose ends cut off ("...") is a teaser
TEASER_PAIRS_MIN, TEASER_SHARE = 5, 0.6  # a split-off part this much made of teaser pairs is a listing
# A boundary with no date line or byline needs one of these, or HEADERLESS_EXTRA more points
HEADER_SUBSTITUTES, HEADERLESS_EXTRA = ("page_end", "html_article", "ending", "box"), 1.0
W_PAGE_END, PAGE_END_LINES = 1.5, 2  # a removed page footer (this many lines) between two prose blocks
RESTORED_HEADER = ("headline", "page_end")  # a restored story needs one of these, or a meta line
PAGE_END_CATEGORIES = {"footer"}
BOX_CATEGORIES = {"subscribe", "related"}
# removed between two pieces of prose, these mark a list of comments or teasers, not one story's body
# (COMMENT_CATEGORIES: a comment widget, one comment's header line, a comment section's heading)
LIST_CATEGORIES = {*COMMENT_CATEGORIES, "byline", "dateline", "related", "navigation", "date", "author"}
RESTORED_BODY_WORDS = 100  # a story restored from removed lines opens with this much prose in a row
W_REMOVED_META = 1.5  # a removed date line or byline where no headline is left
W_ARTICLE, W_H1 = 3.0, 1.0
W_REPEATED_PATTERN = -1.5
W_TEMPLATE = -3.0  # a round-up's items or a listing's cards (see Detector._discount_patterns)
# Two stories from one site are often on related subjects: shared vocabulary only weakly argues
# against a boundary that has a headline and a date line.
TOPIC_FLOOR = -1.0
# ... and not at all when the date line sits right under the headline and the prose follows it
# (headline, date, story): that header is enough on its own (1.0 + 2.0).
DATED_HEADER_TOPIC_FLOOR = 0.0
STRUCTURAL = ("separator", "ending", "html_article", "page_end")  # (or meta_*): one must be present

# Rule categories (from the rule files) that count as evidence; everything else that the boilerplate
# stage removed counts towards a separator, except the in-article kinds.
META_CATEGORIES = {"dateline": "date", "date": "date", "byline": "byline", "author": "byline"}
ENDING_CATEGORIES = {"signoff", "credit", "copyright", "footer", "bio", "author"}
HEADER_CATEGORIES = {*META_CATEGORIES, "model", "repeat", "caption", "meta"}  # may be a story's header
IN_ARTICLE_CATEGORIES = {"caption", "byline", "dateline", "date", "advert", "whitespace", "encoding",
                         "markup", "repeat", "author", "meta", "embed"}

_TERMINAL = re.compile(r"[.!?;:…。！？,][\"'”’»)\]]*$")
_TITLE_END_OK = re.compile(r"[!?！？][\"'”’»)\]]*$")
_ELLIPSIS_END = re.compile(r"\w(?:…|\.\.\.)[\"'”’»)\]]*$")
SHORT_TITLE_WORDS = 8
# Bullet marks. Not the dashes "–"/"—": in many languages they open a line of dialogue or an
# interview answer.
_BULLET = re.compile(r"^(?:[•·▪●◦‣∙■►▶*+]|-(?=\s))\s*")
# (not in "TL2010Q", nor a telephone number's last group, "832-982-2079", "(713) 555-2010")
_YEAR = re.compile(r"(?<![\w.,])(?<!(?<!\d)\d{3}[- ])(?:1[89]\d\d|20\d\d)(?![.,]?\d)(?![^\W\d_])")
_NUMERIC_DATE = re.compile(r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})\b")
_WORD_DATE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\.?\s+[^\W\d_]{3,}\.?,?\s+(?:1[89]|20)\d\d\b"
                        r"|\b[^\W\d_]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:1[89]|20)\d\d\b")
_ALPHA_WORD = re.compile(r"(?<![\w.])[^\W\d_]{2,}")
# "word. Next" (not "U.S. Army", "ID. Space", nor a title's abbreviation "Rep. Omar", "Gov. Noem")
_SENTENCE_BREAK = re.compile(r"(?<![A-Z])(?<![A-Z][a-z])[^\W\d_A-Z]{2}\. +[A-Z]")
# a clock time (not a price: "USD 79.97", "$22.97")
_TIME = re.compile(r"(?<![$€£¥\d.,])(?<!USD )(?<!EUR )(?<!GBP )\b(?:[01]?\d|2[0-4])[:.][0-5]\d\b(?![.,]?\d)")
# "5. Group 3 Clematis", "12) ...": an item of a numbered list or a listicle's section, no story's headline
_LINK_ARROW = re.compile(r"(?:[→➔➜➝➞⟶]\s*(?:\S+\s+){0,2}\S*|>)\s*$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s")
_URL = re.compile(r"https?://|www\.|\w\.(?:com|org|net)\b", re.I)
_WORD = re.compile(r"\w+")
_TOPIC_WORD = re.compile(r"[^\W\d_]{5,}")
_LABEL = re.compile(r"^([^\W\d_][\w'’ -]{0,20}):\s")  # "Author: ", "Release date: "
_DASH_START = re.compile(r"^(?:—|–|--)\s*\w")


@dataclass(slots=True)
class LineInfo:
    text: str
    words: int
    prose: bool
    headline: float  # 0 = not headline-like, else its strength
    date: int  # 0 none, 1 time only, 2 full date
    byline: bool
    bullet: bool
    ending: bool
    comment: bool
    topic: list[str]
    dated_title: bool = False  # a date line that reads as a title, "The Week: July 20, 2012"


@dataclass(slots=True)
class Boundary:
    index: int  # index into the non-blank lines: the first line of the new story
    line: int  # 1-based line number in the text
    score: float
    rule: str
    evidence: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """Every language's stopwords (cleaner/data/stopwords.json, shared with the line model): long
    function words ("which", "during") would otherwise make any two texts look related."""
    try:
        data = json.loads(resources.files("cleaner.data").joinpath("stopwords.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, ModuleNotFoundError):
        return frozenset()
    return frozenset(w for words in data.values() for w in words)


def _first_category(group, text: str, words: int) -> str | None:
    """The category of the first rule of `group` (a boilerplate _RuleGroup: indexed, so a line only
    meets the rules that could match it) that matches `text`."""
    hit = group.find(text, words)
    return hit[0].category if hit else None


def _date_kind(s: str) -> int:
    """2 = a date line (a numeric date, or day-month-year in words, among few words; a year alone),
    1 = a time stamp only, 0 = neither. Headlines that merely mention a year are not dates."""
    alpha = len(_ALPHA_WORD.findall(s))
    if (_NUMERIC_DATE.search(s) or _WORD_DATE.search(s)) and alpha <= 6:
        return 2
    if _YEAR.search(s) and alpha <= 2 and len(s.split()) <= 4:
        return 2
    return 1 if _TIME.search(s) and alpha <= 4 else 0


def _dated_title(s: str, n: int, max_words: int) -> bool:
    """Whether a line the date test took for a date line could be a title that names a date or an
    issue ("The Week: July 20, 2012", "Quickies 10.29"): capitalised, no sentence, two words or
    more besides the date, and not both a date and a clock time. Only its header's shape tells
    (see Detector._dated_headline)."""
    if n > max_words or not s[:1].isupper() or (_TERMINAL.search(s) and not _TITLE_END_OK.search(s)):
        return False
    rest = s
    for pattern in (_NUMERIC_DATE, _WORD_DATE, _YEAR):
        rest = pattern.sub(" ", rest)
    if rest != s and _TIME.search(rest):
        return False  # a date and a clock time: a post's or a comment's stamp ("Kat, June 1, 2012 at 9:14")
    return len(_ALPHA_WORD.findall(_TIME.sub(" ", rest))) >= 2


def _prose(s: str, n: int | None = None, terminal: bool | None = None) -> bool:
    """A line of running text: a sentence of 8+ words (or 50+ characters), or simply long."""
    s = s.strip()
    n = len(s.split()) if n is None else n
    if n >= 20 or len(s) >= 150:
        return True
    if terminal is None:
        terminal = bool(_TERMINAL.search(s))
    return terminal and (n >= 8 or len(s) >= 50)


class Classifier:
    """Per-line features; byline/dateline/sign-off phrases come from the rule files."""

    def __init__(self, options: Options, ruleset=None):
        self.o = options
        self.stop = _stopwords()
        rules = tuple(getattr(ruleset, "rules", ()) or ())
        self.meta_rules = tuple(r for r in rules if r.category in META_CATEGORIES and r.match in ("line", "block", "prefix"))
        self.comment_rules = tuple(r for r in rules if r.category in COMMENT_CATEGORIES and r.match in ("line", "block"))
        self.end_rules = tuple(r for r in rules if r.category in ENDING_CATEGORIES and r.match in ("line", "block"))
        self.meta_group, self.comment_group, self.end_group = (
            _RuleGroup(rs) for rs in (self.meta_rules, self.comment_rules, self.end_rules))
        # line text -> its LineInfo (treated as read-only): split-off parts are looked at again
        self._memo = Memo(CLASSIFIER_MEMO_LINES)

    def __call__(self, text: str) -> LineInfo:
        try:
            return self._memo[text]
        except KeyError:
            info = self._memo[text] = self._classify(text)
            return info

    def _classify(self, text: str) -> LineInfo:
        s = text.strip()
        words = s.split()
        n = len(words)
        terminal = bool(_TERMINAL.search(s))
        prose = _prose(s, n, terminal)
        bullet = bool(_BULLET.match(s))
        date = 0
        if n <= 14 and not (terminal and s.endswith(".") and n >= 6):
            date = _date_kind(s)
        meta_cat = _first_category(self.meta_group, s, n) if n <= 25 else None
        if meta_cat and META_CATEGORIES[meta_cat] == "date":
            date = max(date, 2)
        byline = bool(meta_cat and META_CATEGORIES[meta_cat] == "byline")
        # A sign-off: "(Reporting by ...; Editing by ...)", "— Staff and agencies", a © line; short,
        # one phrase (a parenthesised aside or a line of dialogue is a sentence or more).
        ending = n <= 15 and not _SENTENCE_BREAK.search(s) and (
            (s.startswith("(") and s.endswith(")")) or "©" in s
            or (bool(_DASH_START.match(s)) and not terminal)
            or _first_category(self.end_group, s, n) is not None)
        headline = 0.0 if (bullet or date or byline or meta_cat) else self._headline(s, words)
        # a comment's "name, date" line (not a comment count, not an article's own byline)
        comment = bool(n <= 25 and not byline and (date or _TIME.search(s) or _YEAR.search(s))
                       and _first_category(self.comment_group, s, n) is not None)
        if comment:
            date, headline = 0, 0.0
        topic = [w for w in map(str.lower, _TOPIC_WORD.findall(s)) if w not in self.stop] if prose else []
        dated_title = bool(date and not (meta_cat or bullet or comment)) and _dated_title(
            s, n, self.o.max_headline_words)
        return LineInfo(s, n, prose, headline, date, byline, bullet, ending, comment, topic, dated_title)

    def _headline(self, s: str, words: list[str]) -> float:
        n = len(words)
        if not self.o.min_headline_words <= n <= self.o.max_headline_words or _URL.search(s):
            return 0.0
        if _TERMINAL.search(s) and not _TITLE_END_OK.search(s) and not (
                n <= SHORT_TITLE_WORDS and _ELLIPSIS_END.search(s)):
            return 0.0  # (a short title may trail off, "When the Problem is You…"; an excerpt is longer)
        first = next((ch for ch in s if ch.isalnum()), "")
        caseless = first.isalpha() and first.lower() == first.upper()  # Hangul, Arabic, Devanagari, ...
        if not first or not (first.isupper() or first.isdigit() or caseless) or s[0] in "([{<|>":
            return 0.0
        letters = sum(ch.isalpha() for ch in s)
        if letters < 0.6 * len(s.replace(" ", "")):
            return 0.0
        if _SENTENCE_BREAK.search(s) or s.count(" | ") or s.count(" / ") >= 2:
            return 0.0  # two sentences, or a menu line
        if _NUMBERED.match(s):
            return 0.0
        if _LINK_ARROW.search(s) or s.endswith("|"):
            return 0.0  # a link's label ("Read more ➔", "... → Learn More"), a menu's or a counter's piece
        score = W_HEADLINE
        long_words = [w for w in words if len(w) > 3 and w[0].isalpha()]
        if long_words and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words):
            score += W_TITLECASE
        if s.rstrip("\"'”’»)]").endswith("?"):
            score = min(score, W_QUESTION)  # Q&A questions look like this; weak on their own
        return score


# ---------------------------------------------------------------------------------------------
# Where did the boilerplate stage remove lines? Its edits carry line numbers in the text it received;
# this stage sees that text minus the removed lines, with runs of blank lines collapsed. Re-insert
# the removed lines at their numbers; the only unknown is how many blank lines collapsed, chosen so
# that removed blocks sit between blank lines where possible (the common shape).


def _removed_slots(edits: list[Edit], ruleset) -> dict[int, str]:
    slots: dict[int, str] = {}
    cats: dict[str, str | None] = {}  # rule id -> category (None: a fragment rule)
    for e in edits:
        if e.stage != "boilerplate" or e.action != "remove" or not e.line:
            continue
        if e.rule not in cats:
            rid = source_rule(e.rule)
            rule = ruleset.by_id(rid) if ruleset is not None and hasattr(ruleset, "by_id") else None
            if rule is not None and getattr(rule, "match", "line") in ("prefix", "suffix"):
                cats[e.rule] = None  # a fragment: the line itself stayed
            else:
                cats[e.rule] = (ruleset.category(rid) if ruleset is not None else "") or rid.split(".", 1)[0]
        cat = cats[e.rule]
        if cat is None:
            continue
        for k in range(e.before.count("\n") + 1):
            slots.setdefault(e.line + k, cat)
    return slots


def removed_by_gap(lines: list[str], edits: list[Edit], ruleset=None,
                   line_map: list[int | None] | None = None, slots: dict[int, str] | None = None) -> list[list[str]]:
    """For each gap before non-blank line g (g = 0..n; n = after the last), the categories of the
    lines the boilerplate stage removed there. `line_map` (input line number of each output line),
    when the boilerplate stage provides it, makes this exact; otherwise it is reconstructed."""
    nonblank = [i for i, s in enumerate(lines) if s.strip()]
    gaps: list[list[str]] = [[] for _ in range(len(nonblank) + 1)]
    if slots is None:
        slots = _removed_slots(edits, ruleset)
    if not slots:
        return gaps
    if line_map is not None and len(line_map) == len(lines):
        kept = [line_map[i] or 0 for i in nonblank]
        for slot, cat in sorted(slots.items()):
            gaps[bisect.bisect_left(kept, slot)].append(cat)
        return gaps
    before = _align(lines, sorted(slots))
    ordered = sorted(slots)
    blank_prefix = [0]
    for s in lines:
        blank_prefix.append(blank_prefix[-1] + (1 if s.strip() else 0))
    for slot, c in zip(ordered, before):
        gaps[blank_prefix[c]].append(slots[slot])
    return gaps


def _align(lines: list[str], slots: list[int], beam: int = 24) -> list[int]:
    """For each removed slot (sorted), how many current lines came before it in the input."""
    runs: list[tuple[int, int]] = []
    for s in slots:
        if runs and s == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    blank = [not s.strip() for s in lines]
    n = len(lines)

    def may_collapse(c: int) -> bool:
        # A blank line of the input vanishes only where it met another blank (or an end of the text):
        # so an extra blank between current lines c-1 and c needs a blank (or an end) beside it.
        return c == 0 or c == n or blank[c - 1] or blank[c]

    G, X = 1.0, 0.4  # cost of a kept line glued to a removed one; of a collapsed blank line
    # Beam search over "current lines consumed"; each step keeps back-pointers (previous state),
    # not whole paths, so the cost is O(runs * beam), not O(runs^2 * beam).
    states: dict[int, float] = {0: 0.0}  # lines consumed -> cost
    back: list[dict[int, int]] = []  # per run: state -> the state it came from
    prev_end = 0
    for j, (s, e) in enumerate(runs):
        size = s - prev_end - 1
        options = _GAP_OPTIONS[min(size, 2)]
        nxt: dict[int, float] = {}
        came: dict[int, int] = {}
        for c, cost in states.items():
            for xs, xe in options:
                if size == 1 and xs:  # the gap is one collapsed blank line
                    t, extra = 0, 1
                    if not may_collapse(c):
                        continue
                else:
                    t, extra = size - xs - xe, xs + xe
                    if (xs and j == 0) or t < 0 or (t == 0 and extra > 1):
                        continue  # the input had no leading blank, nor two blank lines in a row
                if c + t > n:
                    continue
                k = cost + X * extra
                if t:
                    first, last = blank[c], blank[c + t - 1]
                    if (xs and (first or not may_collapse(c))) or (xe and (last or not may_collapse(c + t))):
                        continue
                    if j > 0 and not xs and not first:
                        k += G
                    if not xe and not last:
                        k += G
                d = c + t
                if d not in nxt or k < nxt[d] or (k == nxt[d] and c < came[d]):
                    nxt[d], came[d] = k, c
        if not nxt:  # inconsistent with our model of the input: place the rest at the end
            return [max(states)] * len(slots)
        if len(nxt) > beam:
            nxt = dict(sorted(nxt.items(), key=lambda kv: (kv[1], kv[0]))[:beam])
        states = nxt
        back.append(came)
        prev_end = e

    def tail(c: int) -> float:  # the lines after the last removed run
        if c == n or blank[c]:
            return 0.0
        return X if may_collapse(c) else G

    c = min(states, key=lambda c: (states[c] + tail(c), c))
    ends: list[int] = []
    for came in reversed(back):
        ends.append(c)
        c = came[c]
    ends.reverse()
    out: list[int] = []
    for (s, e), c in zip(runs, ends):
        out.extend([c] * (e - s + 1))
    return out


_GAP_OPTIONS = ([(0, 0)], [(0, 0), (1, 0)], [(0, 0), (1, 0), (0, 1), (1, 1)])


# ---------------------------------------------------------------------------------------------
# HTML hints: the html stage gives one dict per non-blank line of its output. Later stages removed
# some lines, so align by text when the hints carry it, else by position when the counts agree.


def _key(s: str) -> str:
    return " ".join(_WORD.findall(s.lower()))[:80]


def align_hints(texts: list[str], hints: Any, gaps: list[list[str]] | None = None) -> list[int | None]:
    """For each current non-blank line, the index of its html-stage hint, or None where unknown. By
    text when the hints carry it; else by position, skipping the lines the boilerplate stage removed
    (`gaps`), when the counts agree and the recorded line lengths mostly match."""
    none: list[int | None] = [None] * len(texts)
    if not isinstance(hints, list) or not hints or not all(isinstance(h, dict) for h in hints):
        return none
    if all("text" in h for h in hints):
        from difflib import SequenceMatcher

        out: list[int | None] = list(none)
        sm = SequenceMatcher(None, [_key(h["text"]) for h in hints], [_key(t) for t in texts], autojunk=False)
        for a, b, size in sm.get_matching_blocks():
            for k in range(size):
                out[b + k] = a + k
        return out
    removed = [len(g) for g in gaps] if gaps else [0] * (len(texts) + 1)
    if len(hints) != len(texts) + sum(removed):
        return none
    idx, skipped = [], 0
    for k in range(len(texts)):
        skipped += removed[k]
        idx.append(k + skipped)
    known = [(hints[i]["chars"], len(t)) for i, t in zip(idx, texts) if isinstance(hints[i].get("chars"), int)]
    if known and sum(abs(c - n) <= max(3, n // 10) for c, n in known) < 0.8 * len(known):
        return none  # lines changed more than the encoding/normalize stages would change them
    return list(idx)


def _article_ids(hints: list[dict]) -> list[int | None]:
    """Which <article> element each line is in: the hint's own index if it gives one, else counted
    from in_article runs (a run of lines outside any article between two runs separates them)."""
    ids: list[int | None] = []
    count, inside = 0, False
    for h in hints:
        if h is None:
            ids.append(None)
            continue
        a = h.get("article", h.get("article_index"))
        if isinstance(a, int) and not isinstance(a, bool):
            ids.append(a)
            continue
        if h.get("in_article"):
            if not inside:
                count, inside = count + 1, True
            ids.append(count)
        else:
            inside = False
            ids.append(None)
    return ids


def _article_starts(ids: list[int | None], info: list["LineInfo"], min_words: int) -> list[bool]:
    """True where a line opens an <article> element that follows another one, both holding at
    least min_words of prose (teaser cards and comment <article>s hold less)."""
    words: dict[int, int] = {}
    for a, x in zip(ids, info):
        if a is not None and x.prose:
            words[a] = words.get(a, 0) + x.words
    out, last = [], None
    for a in ids:
        out.append(a is not None and last is not None and a != last
                   and words.get(a, 0) >= min_words and words.get(last, 0) >= min_words)
        if a is not None:
            last = a
    return out


def _is_h1(h: dict | None) -> bool:
    return bool(h) and (h.get("heading") == 1 or h.get("tag") == "h1")


# ---------------------------------------------------------------------------------------------


def _cos(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


class Detector:
    def __init__(self, options: Options, ruleset=None):
        self.o = options
        self.classify = Classifier(options, ruleset)
        self.ruleset = ruleset
        self.why: dict[int, str] | None = None  # set to a dict to learn why candidates were passed over

    def _reject(self, p: int, reason: str) -> None:
        if self.why is not None:
            self.why[p] = reason
        return None

    def find(self, lines: list[str], edits: list[Edit] | None = None, hints: Any = None,
             line_map: list[int | None] | None = None, restored: set[int] | None = None,
             slots: dict[int, str] | None = None, exclude: frozenset[int] = frozenset()) -> list[Boundary]:
        """Boundaries in `lines`. `restored`: indices of lines the boilerplate stage had removed
        and the restored view put back; a boundary next to them needs more evidence."""
        o = self.o
        nb = [i for i, s in enumerate(lines) if s.strip()]
        n = len(nb)
        if n < 3:
            return []
        info = [self.classify(lines[i]) for i in nb]
        for k in range(n - 1):
            if (info[k].headline or info[k].date) and nb[k + 1] == nb[k] + 1 and info[k + 1].text[:1].islower():
                # a sentence wrapped onto the next line
                info[k] = replace(info[k], headline=0.0, date=0, dated_title=False)
        back = [i in restored for i in nb] if restored else None
        gaps = removed_by_gap(lines, edits or [], self.ruleset, line_map, slots)
        where = align_hints([x.text for x in info], hints, gaps)
        hint = [hints[i] if i is not None else None for i in where]
        ids = _article_ids(hints) if any(i is not None for i in where) else []
        art = _article_starts([ids[i] if i is not None else None for i in where], info, o.min_words)
        prose_words = [0]
        stream: list[str] = []
        starts = []
        for x in info:
            prose_words.append(prose_words[-1] + (x.words if x.prose else 0))
            starts.append(len(stream))
            stream.extend(x.topic)
        starts.append(len(stream))
        total = prose_words[-1]
        if total < 2 * o.min_words:
            return []
        candidates: list[Boundary] = []
        for p in range(1, n):
            if p in exclude:
                continue  # its part was no story (see Stage._split_input)
            if lines[nb[p] - 1].strip() and not art[p]:
                continue  # not a block start
            if prose_words[p] < o.min_words or total - prose_words[p] < o.min_words:
                self._reject(p, "too little prose on one side")
                continue
            ev = self._evidence(p, info, gaps, hint, art, stream, starts)
            if ev is None:
                continue
            if back is not None and _near_restored(p, info, back):
                # Prose the line model removed (comments, teasers, a bio, or a second story glued
                # after the first one's footer): a boundary here needs a header and more evidence.
                if not any(k in RESTORED_HEADER or k.startswith("meta_") for k in ev):
                    self._reject(p, "restored prose without a header")
                    continue
                if _body_run(p, info, gaps) < RESTORED_BODY_WORDS:
                    # comments and teasers come in short pieces between removed lines
                    self._reject(p, "restored prose comes in short pieces")
                    continue
                ev["restored"] = W_RESTORED
            candidates.append(Boundary(p, nb[p] + 1, sum(ev.values()), "", ev))
        self._discount_patterns(candidates, info)
        candidates = _header_starts(candidates, info, o.threshold)
        chosen: list[Boundary] = []
        for b in sorted(candidates, key=lambda b: (-b.score, b.index)):
            if b.score < o.threshold:
                break
            if b.score < o.threshold + HEADERLESS_EXTRA and not any(
                    k in HEADER_SUBSTITUTES or k.startswith("meta_") for k in b.evidence):
                # no date line, byline, page footer or <article> here: removed lines and a change
                # of subject happen inside one page too (ads, share bars, a round-up's sections)
                continue
            cuts = sorted([0, n] + [c.index for c in chosen])
            lo = max(c for c in cuts if c <= b.index)
            hi = min(c for c in cuts if c > b.index)
            if lo == b.index:
                continue
            if prose_words[b.index] - prose_words[lo] < o.min_words or prose_words[hi] - prose_words[b.index] < o.min_words:
                continue
            b.rule = _rule_of(b.evidence)
            chosen.append(b)
        return sorted(chosen, key=lambda b: b.index)

    def _evidence(self, p, info, gaps, hint, art, stream, starts) -> dict[str, float] | None:
        o = self.o
        n = len(info)
        ev: dict[str, float] = {}
        # a date line or byline the boilerplate stage removed between the last prose line and p
        last_prose = next((r for r in range(p - 1, -1, -1) if info[r].prose), -1)
        # (... and after the last headline there: a date removed under a headline is that one's)
        last_head = next((r for r in range(p - 1, last_prose, -1) if info[r].headline or info[r].dated_title),
                         last_prose)
        removed_meta: dict[str, float] = {}
        for g in range(last_head + 1, p + 1):
            for cat in gaps[g]:
                kind = META_CATEGORIES.get(cat)
                if kind:
                    removed_meta[kind] = W_DATE if kind == "date" else W_BYLINE
        # headline (possibly after a date line) and its meta lines
        q = zone_end = p
        pre_date, tight = 0, False
        if info[q].date and q + 1 < n and info[q + 1].headline:
            pre_date, q = info[q].date, q + 1
        if info[q].headline or self._dated_headline(q, info, gaps):
            ev["headline"] = info[q].headline or W_HEADLINE
            kinds: dict[str, float] = {}
            bullets, later, listed = 0, False, False
            r = q + 1
            while r < n and r <= q + o.lookahead + bullets:
                if later and not kinds and (info[r].byline or info[r].date
                                            or any(c in META_CATEGORIES for c in gaps[r])):
                    # a date line or byline belongs to the headline right above it, not to this one
                    return self._reject(p, "meta of a later headline")
                for cat in gaps[r]:  # a date line or byline the boilerplate stage removed here
                    kind = META_CATEGORIES.get(cat)
                    if kind:
                        kinds[kind] = max(kinds.get(kind, 0.0), W_DATE if kind == "date" else W_BYLINE)
                x = info[r]
                if x.comment:
                    return self._reject(p, "comment")  # "name, date" of a comment: a comment list
                if x.byline:
                    kinds["byline"] = W_BYLINE
                elif x.date:
                    kinds["date"] = max(kinds.get("date", 0.0), W_DATE if x.date == 2 else W_TIME)
                elif x.bullet:
                    bullets += 1
                    listed = listed or bool(_SENTENCE_BREAK.search(x.text))
                elif x.prose:
                    break
                elif x.headline and not kinds and _key(x.text) != _key(info[q].text):
                    # another headline before any date or byline: this line is a label or a
                    # credit at the end of the story before, the headline comes next (after a
                    # bullet standfirst, a subheading may come before the story's own date line)
                    if not bullets:
                        return self._reject(p, "headline follows")
                    later = True
                r += 1  # anything else short (the headline repeated, a photo credit) may sit here too
            else:
                return self._reject(p, "no prose after header")  # a list of links, not a story
            if pre_date:
                if "date" in kinds:
                    return self._reject(p, "date belongs to the story before")
                kinds["date"] = W_DATE if pre_date == 2 else W_TIME
            for kind in removed_meta:  # removed just above the headline (its twin above it was
                kinds.setdefault(kind, removed_meta[kind])  # removed too, or the date comes first)
            zone_end = r
            # headline, a full date right under it (in the text or removed there), then the prose
            tight = zone_end <= q + 2 and (info[q + 1].date == 2 or any(
                META_CATEGORIES.get(c) == "date" for c in gaps[q + 1]))
            if bullets >= 2 and not listed:
                # (a standfirst's points are one phrase each; items of two sentences or more,
                # "PPP – Points Per Play. A play ends ...", are a list's: a section's content)
                kinds["standfirst"] = W_BULLETS
            if kinds:
                best = max(kinds, key=lambda k: (kinds[k], k))
                ev["meta_" + best] = kinds[best] + (W_SECOND_META if len(kinds) > 1 else 0.0)
        elif removed_meta:
            # No headline left, but the boilerplate stage removed a date line or byline (and often
            # the headline with it) right here: the header of a story, gone. Weaker on its own.
            best = max(removed_meta, key=lambda k: (removed_meta[k], k))
            ev["meta_" + best] = W_REMOVED_META + (W_SECOND_META if len(removed_meta) > 1 else 0.0)
        if any((m := _NUMBERED.match(x.text)) and int(m.group(1)) > 1 for x in info[p:max(zone_end, p + 1)]):
            # "5. Group 3 ..." at the start or under the header: a numbered list (a listicle's
            # sections) goes on, no new story begins
            return self._reject(p, "numbered list goes on")
        # The new story must open with prose -- not a teaser, then the next teaser's date line, nor a
        # comment, then the next comment's "name, date" line.
        lead, cut = 0, False
        for r in range(zone_end, min(n, zone_end + o.lead_lines)):
            x = info[r]
            if r > zone_end and (x.date == 2 or x.byline or x.comment):
                if x.comment or (info[r - 1].headline and not info[r - 1].prose):
                    cut = True  # the next teaser's (or comment's) header
                    break
                continue  # the story's own byline or date line after its standfirst
            lead += x.words if x.prose else 0
        if lead < (o.lead_words if cut else o.lead_words // 2):
            return self._reject(p, "short lead")
        # ... and go on as prose: date lines, bylines and comment headers every few lines after it
        # are a comment thread, an archive page or a list of teasers
        stamps = sum(1 for x in info[zone_end + 1:zone_end + 1 + 2 * o.lead_lines] if x.date == 2 or x.byline or x.comment)
        if stamps >= 2:
            return self._reject(p, "date lines follow")
        # ... the same when the boilerplate stage removed them: from its first lines on, the prose
        # comes in pieces between a few removed lines with a date or a name ("Posted by ... at
        # <date>", "Reply"), once per comment
        first = next((r for r in range(zone_end, min(n, zone_end + o.lead_lines)) if info[r].prose), n)
        if sum(1 for g in range(first + 1, min(n, first + COMMENT_LOOKAHEAD)) if info[g - 1].prose and info[g].prose
               and len(gaps[g]) <= COMMENT_META_LINES and any(c in META_CATEGORIES for c in gaps[g])) >= 2:
            return self._reject(p, "removed date lines follow")
        # a removed block between the last prose line before p and p
        cats = [c for g in range(last_prose + 1, p + 1) for c in gaps[g] if c not in IN_ARTICLE_CATEGORIES]
        box = any(c in BOX_CATEGORIES for c in cats)
        if len(cats) >= o.separator_lines or (len(cats) >= 2 and box):
            # (a newsletter box or a most-read list is a separator even when it is two lines)
            ev["separator"] = W_SEPARATOR
            if box and len(cats) >= o.separator_lines:
                ev["box"] = 0.0  # (no points: marks the separator as a box, see Detector.find)
        # a page's footer (a copyright line, footer links) between two prose blocks: one page
        # ended and another began (naive text dumps of two pages, infinite scroll)
        # (a footer is a block: one removed line that looks like a footer link, "Support", may be
        # a label inside an article)
        footer = sum(c in PAGE_END_CATEGORIES for g in range(last_prose + 1, p + 1) for c in gaps[g])
        if footer >= PAGE_END_LINES:
            ev["page_end"] = W_PAGE_END
        # the story before ends like a story
        # (a sign-off follows a story's last paragraph; after short lines, verse or a quote, a
        # "— Name" line is an epigraph's attribution, often at the top of a story)
        signed = any(info[r].ending and r > 0 and info[r - 1].prose for r in range(max(0, p - 2), p))
        removed_end = any(c in ENDING_CATEGORIES for g in (p - 1, p) for c in gaps[g])
        if signed or removed_end:
            ev["ending"] = W_ENDING
        # html structure
        if art[p]:
            ev["html_article"] = W_ARTICLE
        if _is_h1(hint[q]) and any(_is_h1(h) for h in hint[:p]):
            ev["html_h1"] = W_H1
        if not any(k in STRUCTURAL or k.startswith("meta_") for k in ev):
            # A headline and a change of subject alone: a subheading, most likely. Round-up
            # articles (ten books, ten gadgets) change subject completely at every one.
            return self._reject(p, "no structural cue")
        t = self._topic(stream, starts[p])
        if t is not None:
            if tight:
                t = max(t, DATED_HEADER_TOPIC_FLOOR)
            ev["topic"] = t
        return ev

    def _dated_headline(self, q: int, info: list[LineInfo], gaps: list[list[str]]) -> bool:
        """A title that names a date, read as the story's headline when a date line of its own
        follows it before the prose (kept, or removed there): a story's header has one date line,
        so the first of two is the title (a repeat of the title in between does not count)."""
        if not info[q].dated_title:
            return False
        key = _key(info[q].text)
        for r in range(q + 1, min(len(info), q + 1 + self.o.lookahead)):
            if any(META_CATEGORIES.get(c) == "date" for c in gaps[r]):
                return True
            x = info[r]
            if x.prose:
                return False
            if x.date == 2 and _key(x.text) != key:
                return True
        return False

    def _topic(self, stream: list[str], at: int) -> float | None:
        """+W_TOPIC when the words just before and just after `at` are unrelated, -W_TOPIC when they
        are as related as two halves of one story. Cosine of the counts of 5+-letter words; on the
        eval sets' gold texts (stopwords left out), two unrelated stories score ~0.02 at 120 words
        a side (95% below 0.07) and two windows of one story ~0.3 (5% below 0.10); both scale with
        the window size."""
        k = self.o.window_words
        left, right = stream[max(0, at - k):at], stream[at:at + k]
        size = min(len(left), len(right)) / k
        if size < 0.2:
            return None
        lo, hi = 0.02 * size, 0.25 * size
        x = 1 - 2 * (_cos(Counter(left), Counter(right)) - lo) / (hi - lo)
        return W_TOPIC * max(TOPIC_FLOOR, min(1.0, x)) * min(1.0, math.sqrt(size))

    def _discount_patterns(self, candidates: list[Boundary], info: list[LineInfo]) -> None:
        """A headline+meta shape that repeats without real topic change is the article's own
        structure (live blog entries, dated updates, FAQ): discount it. The same labelled header
        lines ("Author: ...", "Released: ...", "Genre: ...") three times or more are the items of a
        round-up, whatever their subjects, and so are three or more <article> blocks without a date
        line or byline (a listing's cards): discount them more."""
        shaped = [b for b in candidates if any(k.startswith("meta_") for k in b.evidence)]
        # headline+meta shapes with prose between them, counted per kind of meta: sections over
        # bullet lists do not make a headline over a date line one of a series (nor the reverse)
        clusters: Counter = Counter()
        last: dict[str, int] = {}
        for b in shaped:
            kind = _meta_kind(b.evidence)
            if kind not in last or any(x.prose for x in info[last[kind]:b.index]):
                clusters[kind] += 1
            last[kind] = b.index
        # three or more <article> blocks, none with a date line or byline: a listing's cards
        cards = [b for b in candidates if "html_article" in b.evidence]
        if len(cards) >= 3 and not any(k.startswith("meta_") for b in cards for k in b.evidence):
            for b in cards:  # (the <article> evidence counts for nothing, and then some)
                b.evidence["template"] = -W_ARTICLE - 1.0
                b.score = sum(b.evidence.values())
        runs = _label_runs(info)
        seen = Counter(runs.values())
        for b in shaped:
            if "html_article" in b.evidence:
                continue
            key = next((runs[k] for k in range(b.index, min(len(info), b.index + 4)) if k in runs), ())
            if len(key) >= 2 and seen[key] >= 3:
                b.evidence["template"] = W_TEMPLATE
            elif clusters[_meta_kind(b.evidence)] >= 3 and b.evidence.get("topic", 0.0) < 0.6 * W_TOPIC:
                b.evidence["repeated_pattern"] = W_REPEATED_PATTERN
            else:
                continue
            b.score = sum(b.evidence.values())


def _meta_kind(ev: dict[str, float]) -> str:
    """The kind of a candidate's meta evidence: a date line or byline (a story's or an entry's
    header), or a bullet standfirst (also an article's sections over their bullet lists)."""
    return "standfirst" if "meta_standfirst" in ev else "header"


def _label_runs(info: list[LineInfo]) -> dict[int, tuple[str, ...]]:
    """Runs of consecutive "Label: value" lines: {index of the run's first line: its labels}."""
    runs: dict[int, tuple[str, ...]] = {}
    start, labels = 0, []
    for k, x in enumerate([*info, None]):  # (None ends the last run)
        m = _LABEL.match(x.text) if x is not None else None
        if m:
            if not labels:
                start = k
            labels.append(m.group(1).casefold())
        elif labels:
            runs[start], labels = tuple(labels), []
    return runs


def _header_starts(candidates: list[Boundary], info: list[LineInfo], threshold: float) -> list[Boundary]:
    """A headline that qualifies keeps the lines of its header with it: a candidate on its date
    line or on a second title-like line right under it (a kicker, "Monday / 9:04 PM / News")
    would cut the headline off into the story before."""
    keep = []
    for b in candidates:
        a = keep[-1] if keep else None
        if (a is not None and "headline" in a.evidence and a.score >= threshold
                and b.index - a.index <= 2 and not any(x.prose for x in info[a.index:b.index])):
            continue
        keep.append(b)
    return keep


def _body_run(p: int, info: list[LineInfo], gaps: list[list[str]]) -> int:
    """Words in the longest run of prose lines among the first few after p, a run broken by a
    short line or by a removed comment header, byline, date or link: a story's body, not a
    comment thread or a list of teasers."""
    best = run = 0
    for r in range(p, min(len(info), p + 12)):
        if r > p and any(c in LIST_CATEGORIES for c in gaps[r]):
            run = 0
        if info[r].prose:
            run += info[r].words
            best = max(best, run)
        elif info[r].words > 3:
            run = 0
    return best


def _near_restored(p: int, info: list[LineInfo], back: list[bool], k: int = 3) -> bool:
    """Is any of the k prose lines just after p restored? (Restored lines before p do not matter:
    the main story keeps only the lines the boilerplate stage kept.)"""
    return any(back[r] for r in islice((r for r in range(p, len(info)) if info[r].prose), k))


def _rule_of(ev: dict[str, float]) -> str:
    """The boundary's rule id: its strongest evidence besides the headline (meta kinds win ties)."""
    names = {"html_article": "stories.html_article", "meta_date": "stories.headline_dateline",
             "meta_byline": "stories.headline_byline", "meta_standfirst": "stories.headline_standfirst",
             "separator": "stories.separator_block", "page_end": "stories.page_end", "ending": "stories.story_end", "topic": "stories.topic_shift"}
    order = list(names)
    best = max((k for k in ev if k in names), key=lambda k: (ev[k], -order.index(k)))
    return names[best]


def _restored_view(lines: list[str], edits: list[Edit], line_map: list[int | None], classify: Classifier,
                   slots: dict[int, str] | None = None):
    """The boilerplate stage's input rebuilt from its edits and line map, and a view of it for
    finding stories: the lines the boilerplate stage kept, plus prose lines its line model
    removed. The line model judges a line by where it sits in the page, so a second story glued
    after the first one's footer is often removed whole; its prose must stay visible here.
    Returns (view lines, the edits still removed, input line number of each view line, input
    lines), or None if the edits and the map do not fit together."""
    if len(line_map) != len(lines) or any(not isinstance(k, int) for k in line_map):
        return None
    bp = [e for e in edits if e.stage == "boilerplate" and e.line and e.action in ("remove", "replace")]
    size = max([*line_map, *(e.line + e.before.count("\n") for e in bp)], default=0)
    orig: list[str | None] = [None] * size
    removed: dict[int, Edit] = {}
    for e in bp:  # a line's first edit holds its input text (trims come before a removal)
        for k, part in enumerate(e.before.split("\n") if e.action == "remove" else [e.before]):
            if orig[e.line - 1 + k] is None:
                orig[e.line - 1 + k] = part
            if e.action == "remove":
                removed.setdefault(e.line + k, e)
    for i, k in enumerate(line_map):
        if orig[k - 1] is None:
            orig[k - 1] = lines[i]
    original = [t if t is not None else "" for t in orig]
    restore = {n for n, e in removed.items() if e.rule.startswith("model.") and _prose(original[n - 1])}
    if slots:
        # ... and a removed headline right above a removed date line or byline: a story's header
        metas = sorted(n for n, c in slots.items() if c in META_CATEGORIES)
        for m in metas:
            above = [n for n in range(m - 1, max(0, m - 5), -1) if original[n - 1].strip()][:2]
            for n in above:
                if n in removed and slots.get(n) in HEADER_CATEGORIES and slots.get(n) not in META_CATEGORIES \
                        and classify(original[n - 1]).headline:
                    restore.add(n)
                    break
    keep = set(line_map) | restore
    view, vmap = [], []
    for n, t in enumerate(original, 1):
        if n in keep or (not t.strip() and n not in removed):
            if not t.strip() and (not view or not view[-1].strip()):
                continue  # join_lines' shape: no leading blank, no two blanks in a row
            view.append(t)
            vmap.append(n)
    while view and not view[-1].strip():
        view.pop()
        vmap.pop()
    still = [e for e in edits if not (e.stage == "boilerplate" and e.action == "remove" and e.line in restore)]
    return view, still, vmap, original


def _restored_inputs(vmap: list[int], kept: set[int]) -> set[int]:
    """Input line numbers the restored view shows although the boilerplate stage removed them."""
    return {k for k in vmap if k not in kept}


class Stage:
    name = "stories"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self.ruleset = ruleset
        self.detector = Detector(options, ruleset)
        self._recleaner = None
        self._bound = False  # in a pipeline (bind): cleaning a text again runs _recleaner first, if any
        self._recleaned: dict[str, tuple] | None = None  # see _reclean

    def bind(self, stages) -> None:
        """The pipeline hands over its stages: a split-off part is re-cleaned by the pipeline's own
        boilerplate stage, with the user's options and rules (and no second copy to build)."""
        self._recleaner = next((st for st in stages if getattr(st, "name", "") == "boilerplate"), None)
        self._bound = True

    def _reclean(self, doc: Document) -> Document:
        """A split-off story is cleaned like a page of its own: the boilerplate stage again, on its
        part of that stage's input. Outside a pipeline (no `bind`), one with default options."""
        if self._recleaner is None:
            from .boilerplate import Options as BoilerplateOptions, Stage as Boilerplate
            self._recleaner = Boilerplate(BoilerplateOptions(), self.ruleset)
        if doc.metadata:  # (never, from this stage: its parts are bare texts)
            return self._recleaner(doc)
        # The same part is cleaned again on each retry and by the settling checks; the boilerplate
        # stage's result is a function of the text, so within one document it is worked out once
        # (a file of many stories otherwise re-cleans all of them on every retry).
        memo = self._recleaned  # (read once: a result is a function of the text, whoever stored it)
        hit = memo.get(doc.text) if memo is not None else None
        if hit is None:
            out = self._recleaner(Document(id=doc.id, text=doc.text))
            hit = (out.text, tuple(out.edits), out.metadata)
            if memo is not None:
                memo[doc.text] = hit
        meta = {k: list(v) if isinstance(v, list) else v for k, v in hit[2].items()}
        return Document(id=doc.id, text=hit[0], edits=list(hit[1]), metadata=meta)

    def __call__(self, doc: Document) -> Document:
        if doc.skipped or not doc.text.strip() or doc.metadata.get("story_index"):
            return doc
        self._recleaned = {}  # part text -> what the boilerplate stage makes of it, for this document
        try:
            out = self._process(doc, self.options.mode, 0)
            if (self.options.mode != "keep" and not out.metadata.get("story_boundaries") and out.text == doc.text
                    and not self._seen_bare(doc)):
                out = self._unsplit_again(out)
            return out
        finally:
            self._recleaned = None

    # What a re-clean of an unsplit output hands this stage: the same text, with nothing removed
    # around it (the boilerplate stage keeps its own output whole), so no restored view, no
    # removed date lines or footers, no DOM hints.
    _BARE_DROPS = ("boilerplate_line_map", "html_lines", "stories", "story_boundaries")

    def _seen_bare(self, doc: Document) -> bool:
        """Whether `doc` was judged as a re-clean of its output would be (no DOM hints, no line map,
        no line the boilerplate stage removed): then looking again alone would repeat that work."""
        return (not doc.metadata.get("html_lines") and not isinstance(doc.metadata.get("boilerplate_line_map"), list)
                and not _removed_slots(doc.edits, self.ruleset))

    def _unsplit_again(self, out: Document) -> Document:
        """No boundary was found in the page's view. The output alone is what a re-clean judges,
        and there the evidence differs (prose the line model removed no longer weakens a boundary
        next to it; a removed header no longer adds to one): decide as that re-clean would, so
        that cleaning the output again changes nothing."""
        bare = Document(id=out.id, text=out.text,
                        metadata={k: v for k, v in out.metadata.items() if k not in self._BARE_DROPS})
        r = self._process(bare, self.options.mode, 0)
        if not r.metadata.get("story_boundaries") and r.text == out.text:
            return out
        meta = {**out.metadata, "stories": r.metadata["stories"], "story_boundaries": r.metadata["story_boundaries"]}
        if r.text != out.text:
            meta.pop("boilerplate_line_map", None)  # the main text is a re-clean's now
        return replace(out, text=r.text, metadata=meta, edits=[*out.edits, *r.edits], stories=[*out.stories, *r.stories])

    def _process(self, doc: Document, mode: str, depth: int) -> Document:
        lines = doc.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        line_map = doc.metadata.get("boilerplate_line_map")
        hints = doc.metadata.get("html_lines")
        if mode != "keep" and not hints and isinstance(line_map, list):
            slots = _removed_slots(doc.edits, self.ruleset)
            view = _restored_view(lines, doc.edits, line_map, self.detector.classify, slots)
            if view is not None:
                vlines, vedits, vmap, original = view
                kept_lines = set(line_map)
                restored = {i for i, k in enumerate(vmap) if k not in kept_lines}
                back = _restored_inputs(vmap, kept_lines)
                vslots = {n: c for n, c in slots.items() if n not in back}
                # A boundary whose part, cleaned alone, is no story is no boundary: look again
                # without it (a stronger candidate there may have hidden the real one nearby).
                exclude: frozenset[int] = frozenset()
                for _ in range(RETRIES + 1):
                    found = self.detector.find(vlines, vedits, None, vmap, restored, vslots, exclude)
                    out, dropped = self._split_input(doc, lines, line_map, original, vlines, vmap, found, slots,
                                                     mode, depth)
                    if not dropped or dropped <= exclude:
                        break
                    exclude |= dropped
                return out
        found = self.detector.find(lines, doc.edits, hints, line_map)
        return self._split_text(doc, lines, found, mode, depth)

    # Cleaning an output again must change nothing (clean(clean(x)) == clean(x)). A part is judged
    # in the whole file, a re-clean sees it alone: its context (the windows of the topic measure,
    # the parts that follow it, the boilerplate stage's view of a shorter page) differs, and it may
    # find a boundary in the part. So each part is cleaned again here, as a re-clean would, and
    # where that splits it, its pieces are the output (each of them checked again, to this depth).
    SETTLE_DEPTH = 3

    def _again(self, text: str, depth: int, boilerplate: bool) -> Document | None:
        """What cleaning `text` again does: the boilerplate stage (if it runs), then this stage.
        That document (split mode) if it changes or splits the text, else None. (A part that is
        shorter than the page it was judged in may lose lines a re-clean's line model removes.)"""
        if depth >= self.SETTLE_DEPTH:
            return None
        d = Document(id="again", text=text, metadata={})
        if boilerplate:
            d = self._reclean(d)
        if d.skipped or not d.text.strip():
            return None
        r = self._process(d, "split", depth + 1)
        return r if r.stories or r.text != text else None

    @staticmethod
    def _removals(r: Document) -> list[Edit]:
        """The edits of a re-clean that took text out, numbered as in the part (its splits are this
        level's: the caller announces them)."""
        return [e for e in r.edits if e.action != "split"]

    @staticmethod
    def _pieces(r: Document, b: Boundary) -> list[tuple[Boundary, Document]]:
        """The stories a re-clean split off, as (boundary, document); their boundaries' line is
        that of the part they came from (the cut is in the re-cleaned text, not in this input)."""
        return [(Boundary(-1, b.line, float(x.get("score", 0.0)), str(x.get("rule", "")), {}), s)
                for x, s in zip(r.metadata.get("story_boundaries", []), r.stories)]

    def _settle(self, main: Document, stories: list[tuple[Boundary, Document]], depth: int,
                boilerplate: bool) -> tuple[Document, list[tuple[Boundary, Document]], list[tuple[Boundary, Document]]]:
        """Each part as a re-clean leaves it. Returns (main, stories, dropped): a piece a re-clean
        splits off the main story is a story only if it would be one here (the rule for a short
        part before a longer story); otherwise it is dropped, like such a part is. A teaser listing
        is dropped too."""
        out: list[tuple[Boundary, Document]] = []
        for b, c in stories:
            r = self._again(c.text, depth, boilerplate)
            if r is None:
                out.append((b, c))
                continue
            out.append((b, replace(c, text=r.text, edits=[*c.edits, *self._removals(r)])))
            out.extend(self._pieces(r, b))
        dropped: list[tuple[Boundary, Document]] = []
        r = self._again(main.text, depth, boilerplate) if out else None
        if r is not None:
            head = []
            nxt = _prose_words(out[0][1].text)
            for b, s in reversed(self._pieces(r, out[0][0])):
                w = _prose_words(s.text)
                if w < SANDWICHED_STORY_WORDS and nxt > SANDWICH_RATIO * w:
                    dropped.append((b, s))
                else:
                    head.insert(0, (b, s))
                    nxt = w
            line_map = main.metadata.pop("boilerplate_line_map", None)
            main = replace(main, text=r.text, edits=[*main.edits, *(_renumbered(e, line_map) for e in self._removals(r))])
            out = head + out
            dropped.reverse()
        # A part that is a listing of other stories (a title, one line of teaser, the next title;
        # or cards under the headline), or one teaser cut off with "...", is no story: it goes, as
        # the boilerplate stage's lists do.
        stories_out = []
        for b, s in out:
            if _teaser_listing(s.text) or _cards(s.text, header=True) or _excerpt(s.text):
                dropped.append((replace(b, rule="stories.teasers"), s))
            else:
                stories_out.append((b, s))
        return main, stories_out, dropped

    def _meta(self, doc: Document, found: list[Boundary], mode: str) -> dict:
        meta = dict(doc.metadata)
        meta["stories"] = 1 + len(found) if mode != "drop" else 1
        meta["story_boundaries"] = [{"line": b.line, "rule": b.rule, "score": round(b.score, 3)} for b in found]
        return meta

    def _story(self, doc: Document, meta: dict, k: int, b: Boundary, text: str, edits=()) -> Document:
        base = {key: v for key, v in meta.items() if key not in ("html_lines", "stories", "story_boundaries",
                                                                  "boilerplate_line_map")}
        return Document(id=f"{doc.id}#story{k}", text=text, edits=list(edits),
                        metadata={**base, "story_index": k, "story_of": doc.id, "story_rule": b.rule})

    @staticmethod
    def _input_cut(vlines: list[str], vmap: list[int], slots: dict[int, str], v: int,
                   original: list[str]) -> int:
        """Where in the input a story found at view line v starts: its removed header (a headline,
        date line or byline the line model or the meta rules removed) goes with it; what the rules
        removed before that (a footer, menus, a most-read list) goes with neither, nor do removed
        lines in the same block as the story before's last line (its source line, its author).
        When v is a removed headline the view put back, the story starts there, or at the date
        lines and bylines removed right above it: the other lines the line model removed between
        the two stories (an author's name, a "read next" line) end the story before."""
        prev = next((i for i in range(v - 1, -1, -1) if vlines[i].strip()), None)
        if prev is None:
            return vmap[v]
        lo, hi = vmap[prev] + 1, vmap[v]
        while lo < hi and original[lo - 1].strip():
            lo += 1
        ends = [n for n in range(lo, hi) if n in slots and slots[n] not in HEADER_CATEGORIES]
        cut = ends[-1] + 1 if ends else lo
        if hi not in slots:
            return cut
        top = hi
        for n in range(hi - 1, cut - 1, -1):
            if original[n - 1].strip():
                if slots.get(n) not in META_CATEGORIES:
                    break
                top = n
        return top

    def _split_input(self, doc, lines, line_map, original, vlines, vmap, found, slots, mode, depth) -> Document:
        """Cut the boilerplate stage's input at the boundaries (found in the restored view) and clean
        each part again on its own, the main story too. A part that comes out (nearly) empty is no
        story: it stays dropped. Returns the document and the boundaries whose part was no story."""
        stories: list[tuple[Boundary, Document]] = []
        no_story: set[int] = set()
        cuts = [self._input_cut(vlines, vmap, slots, b.line - 1, original) for b in found]  # input line numbers
        ends = cuts[1:] + [len(original) + 1]
        parts = []
        for b, a, z in zip(found, cuts, ends):
            cleaned = self._reclean(Document(id=doc.id, text=join_lines(original[a - 1:z - 1]), metadata={}))
            parts.append((b, cleaned, [len(x.split()) for x in cleaned.text.split("\n") if _prose(x)]))
        for j, (b, cleaned, prose) in enumerate(parts):
            # Cleaned on its own, little is left: the first page's tail (comments, teasers), not a
            # story -- above all when a longer story follows it. A story found by restored
            # lines must look like one: paragraphs, not a privacy notice or an author's bio.
            need = self.options.min_story_words
            if j + 1 < len(parts) and sum(parts[j + 1][2]) > SANDWICH_RATIO * sum(prose):
                need = SANDWICHED_STORY_WORDS
            elif _headed(b):
                need = self.options.min_words  # a story's header in the text: a short story is one
            if "restored" in b.evidence:
                # a headline with its date line or byline over it: a short story is one (notices
                # and disclaimers at a page's end come without a header)
                headed = _has_header(b.evidence)
                need = max(need, RESTORED_HEADED_WORDS if headed else RESTORED_STORY_WORDS)
                if len(prose) < (1 if headed else RESTORED_STORY_PARAGRAPHS):
                    no_story.add(b.index)
                    continue
            if sum(prose) < need:
                no_story.add(b.index)
                continue
            stories.append((b, cleaned))
        cut_of = {id(b): a for b, a in zip(found, cuts)}
        again = None
        while stories:
            # The main story, too, is the boilerplate stage's work on its own part alone: cleaning
            # the output again then changes nothing (the line model judges a line by its page).
            first_cut = cut_of[id(stories[0][0])]
            again = self._reclean(Document(id=doc.id, text=join_lines(original[:first_cut - 1]), metadata={}))
            # prose of the main story: cleaned alone, and as the boilerplate stage kept it in the
            # whole page (both must hold a story; if that stage kept nothing before the cut, the
            # page's article is after it)
            kept_before = sum(len(t.split()) for t, k in zip(lines, line_map) if k < first_cut and _prose(t))
            alone = _prose_words(again.text)
            after_words = sum(_prose_words(c.text) for _, c in stories)
            # (cleaned alone, a long article stands on its own: the whole page's line model may
            # have taken the story after it for the page's article and dropped this one)
            main_words = alone if alone >= max(MAIN_ALONE_WORDS, MAIN_ALONE_SHARE * after_words) \
                else min(kept_before, alone)
            if self._main_holds(main_words, after_words, stories[0][0], again.text, alone):
                break
            stories = [(b, c) for b, c in stories[1:] if _bundled_after(b)]
            again = None
        kept = []
        for b, c in stories:  # the boundary's line number in the text this stage received
            at = cut_of[id(b)]
            b.line = bisect.bisect_left(line_map, at) + 1  # (line_map ascends; past its end: len(lines) + 1)
            kept.append((b, c))
        dropped: list[tuple[Boundary, Document]] = []
        if kept and again is not None:
            again, kept, dropped = self._settle(again, kept, depth, True)
        found = [b for b, _ in kept]
        meta = self._meta(doc, found, mode)
        if again is None or not (found or dropped):
            return replace(doc, metadata=meta), frozenset(no_story)
        main = again.text
        edits = [e for e in doc.edits if e.stage != "boilerplate"] + list(again.edits)
        if "boilerplate_line_map" in again.metadata:
            meta["boilerplate_line_map"] = again.metadata["boilerplate_line_map"]
        else:
            meta.pop("boilerplate_line_map", None)
        for b, c in dropped:  # pieces a re-clean would split off the main story: no stories
            edits.append(Edit("stories", b.rule, "remove", before=c.text, line=b.line, score=round(b.score, 3)))
        out = list(doc.stories)
        for k, (b, c) in enumerate(kept, start=2):
            first = next((x for x in c.text.split("\n") if x.strip()), "")
            if mode == "split":
                edits.append(Edit("stories", b.rule, "split", before=first, line=b.line, score=round(b.score, 3)))
                out.append(self._story(doc, meta, k, b, c.text, c.edits))
            else:
                edits.append(Edit("stories", b.rule, "remove", before=c.text, line=b.line, score=round(b.score, 3)))
        return replace(doc, text=main, metadata=meta, edits=edits, stories=out), frozenset(no_story)

    def _main_holds(self, main_words: int, after_words: int, first: Boundary, main_text: str,
                    alone: int | None = None) -> bool:
        """Whether the text before the first boundary, with `main_words` of prose, is a story: not
        too little, not a short preamble (a promo, a teaser, a ticker) before a long article, nor a
        list of cards before a longer one. If not, the page's article starts at the cut, and the
        next story (if any) with a header of its own (_bundled_after) is the first one bundled
        after it. `alone`: the prose the main part keeps cleaned on its own, when known (a page's
        line model may have kept much less of it, next to a long story)."""
        preamble = PREAMBLE_WORDS if not _headed(first) else self.options.min_story_words
        if after_words > PREAMBLE_EXTREME_RATIO * (main_words if alone is None else alone):
            preamble = PREAMBLE_WORDS  # an intro before a long listicle's first item, not a story
        return main_words >= self.options.min_words and not (
            main_words < preamble and after_words > PREAMBLE_RATIO * main_words) and not (
            after_words > CARDS_RATIO * main_words and _cards(main_text))

    def _split_text(self, doc: Document, lines: list[str], found: list[Boundary], mode: str, depth: int) -> Document:
        names = [k for k in (_key(str(doc.metadata.get(f) or "")) for f in ("headline", "title")) if k]
        while found:
            before, after = lines[:found[0].line - 1], lines[found[0].line - 1:]
            above = [x for x in before if x.strip()][-2:] + _removed_above(doc, found[0].line)
            text_before = join_lines(before)
            if self._main_holds(_prose_words(text_before), _prose_words(join_lines(after)), found[0],
                               text_before) and not (
                    _names_page(above + after, names) and not _names_page(before, names)):
                break
            # (the page's <title> or headline names the story after the cut, or a headline right
            # above it, and not the text before: that text is the page's preamble)
            found = [b for b in found[1:] if _bundled_after(b)]
        if not found:
            return replace(doc, metadata=self._meta(doc, found, mode))
        cuts = [b.line - 1 for b in found] + [len(lines)]
        parts = [lines[a:z] for a, z in zip(cuts, cuts[1:])]
        if mode == "keep":
            edits = list(doc.edits)
            for b, part in zip(found, parts):
                first = next(s for s in part if s.strip())
                edits.append(Edit("stories", b.rule, "annotate", before=first, line=b.line, score=round(b.score, 3)))
            return replace(doc, metadata=self._meta(doc, found, mode), edits=edits)
        # a re-clean runs the pipeline's boilerplate stage first (standalone: this stage alone)
        line_map = doc.metadata.get("boilerplate_line_map")
        head = join_lines(lines[:cuts[0]])
        main = Document(id=doc.id, text=head,
                        metadata={"boilerplate_line_map": line_map[:cuts[0]]} if isinstance(line_map, list) else {})
        pieces = [(b, Document(id=doc.id, text=join_lines(part))) for b, part in zip(found, parts)]
        main, pieces, dropped = self._settle(main, pieces, depth, self._bound and self._recleaner is not None)
        found = [b for b, _ in pieces]
        meta = self._meta(doc, found, mode)
        edits = list(doc.edits) + main.edits
        if main.text != head:
            meta.pop("boilerplate_line_map", None)  # the main text is a re-clean's now
        for b, c in dropped:
            edits.append(Edit("stories", b.rule, "remove", before=c.text, line=b.line, score=round(b.score, 3)))
        for b, c in pieces:
            if mode == "split":
                first = next(s for s in c.text.split("\n") if s.strip())
                edits.append(Edit("stories", b.rule, "split", before=first, line=b.line, score=round(b.score, 3)))
            else:
                edits.append(Edit("stories", b.rule, "remove", before=c.text, line=b.line, score=round(b.score, 3)))
        stories = list(doc.stories)
        if mode == "split":
            for k, (b, c) in enumerate(pieces, start=2):
                stories.append(self._story(doc, meta, k, b, c.text, c.edits))
        return replace(doc, text=main.text, metadata=meta, edits=edits, stories=stories)


def _renumbered(e: Edit, line_map) -> Edit:
    """An edit of a re-clean of a text whose line k was the boilerplate stage's input line
    line_map[k - 1], numbered as that stage's input (None where there is no map)."""
    if e.line is None:
        return e
    ok = isinstance(line_map, list) and 0 < e.line <= len(line_map)
    return replace(e, line=line_map[e.line - 1] if ok else None)


def _removed_above(doc: Document, line: int) -> list[str]:
    """The lines the boilerplate stage removed between the kept line before `line` (1-based, in
    this stage's input) and it: a headline the line model took for a teaser, say."""
    line_map = doc.metadata.get("boilerplate_line_map")
    if not isinstance(line_map, list) or not 1 <= line <= len(line_map):
        return []
    prev = next((line_map[i] for i in range(line - 2, -1, -1) if isinstance(line_map[i], int)), 0)
    at = line_map[line - 1]
    if not isinstance(at, int):
        return []
    return [e.before for e in doc.edits
            if e.stage == "boilerplate" and e.action == "remove" and e.line and prev < e.line < at]


def _names_page(lines: list[str], names: list[str], head: int = 3) -> bool:
    """Whether one of the first `head` non-blank lines (of three words or more) is the page's
    headline or is in its <title> (`names`: _key()s of those)."""
    if not names:
        return False
    firsts = [k for k in (_key(x) for x in lines if x.strip()) if k.count(" ") >= 2][:head]
    return any(k in name for k in firsts for name in names)


def _bundled_after(b: Boundary) -> bool:
    """A story after the page's article (once a preamble joined it) needs a header of its own."""
    return _has_header(b.evidence) or "html_article" in b.evidence


def _has_header(ev: dict[str, float]) -> bool:
    """A headline, then a full date line or byline."""
    return "headline" in ev and max(ev.get("meta_date", 0.0), ev.get("meta_byline", 0.0)) >= W_DATE


def _headed(b: Boundary) -> bool:
    """The new story's header is in the text (not only in lines the boilerplate stage removed)."""
    return "restored" not in b.evidence and _has_header(b.evidence)


_EXCERPT_END = re.compile(r"(?:\.\.\.|…|\[(?:…|\.\.\.)\])\s*$")


def _cards(text: str, header: bool = False) -> bool:
    """Whether a text's prose comes as cards: under a title line, one short paragraph or an excerpt
    cut off with "..." (a listing's teasers, a mega-menu's descriptions): most of its lines are
    such cards, with no run of paragraphs, few lists or labels between them. An article whose
    short sections look so opens with an intro: a paragraph with no title over it (INTRO_WORDS).
    `header`: the text opens with a story's header (a part split off a page); its first paragraph,
    under the headline, is an intro only if longer than a card's, as a listing's first card title
    cannot be told from a headline."""
    paras = [x.strip() for x in text.split("\n") if x.strip()]
    excerpt = [bool(_EXCERPT_END.search(x)) for x in paras]
    # a title may be a sentence or two ("We tried X. It worked.") over an excerpt
    prose = [_prose(x) and not (k + 1 < len(paras) and excerpt[k + 1] and len(x.split()) <= CARD_TITLE_WORDS)
             for k, x in enumerate(paras)]
    f = next((k for k, x in enumerate(prose) if x), len(paras))  # the first paragraph of prose
    if f < len(paras) and f <= (HEADER_LINES if header else 0) and not excerpt[f]:
        n = len(paras[f].split())
        if (n > CARD_WORDS if header else n >= INTRO_WORDS) or prose[f + 1:f + 2] == [True]:
            return False  # an intro
    cards = units = 0
    for is_prose, run in groupby(range(len(paras)), key=prose.__getitem__):
        if not is_prose:
            continue
        run = list(run)
        units += 1
        k = run[0]  # (a run after the first line follows a non-prose line: a title)
        if k > 0 and len(run) == 1 and (len(paras[k].split()) <= CARD_WORDS or excerpt[k]):
            cards += 1
    return cards >= CARDS_MIN and cards >= CARDS_SHARE * units and 2 * cards >= CARDS_SHARE * len(paras)


def _excerpt(text: str) -> bool:
    """Whether a text is one teaser: at most TEASER_PARAGRAPHS paragraphs of prose, the last cut off
    with "..." -- a story's text does not stop in mid-sentence."""
    prose = [x.strip() for x in text.split("\n") if _prose(x)]
    return 0 < len(prose) <= TEASER_PARAGRAPHS and bool(_EXCERPT_END.search(prose[-1]))


def _teaser_listing(text: str) -> bool:
    """Whether a text is mostly teaser pairs from its first line on: a title line (at most
    CARD_TITLE_WORDS words, no sentence end) over one line of 8 to CARD_WORDS words that is no
    title -- a "more stories" listing. An article's paragraphs run on under its subheadings; a
    listicle of such pairs opens with an intro, or with its headline over a date line or byline."""
    paras = [x.strip() for x in text.split("\n") if x.strip()]
    title = [len(x.split()) <= CARD_TITLE_WORDS and not _TERMINAL.search(x) for x in paras]
    pairs = k = 0
    while k + 1 < len(paras):
        if title[k] and not title[k + 1] and 8 <= len(paras[k + 1].split()) <= CARD_WORDS:
            pairs += 1
            k += 2
        elif not pairs:
            return False  # an intro, or a headline over a date line: a story (a listicle's) starts so
        else:
            k += 1
    return pairs >= TEASER_PAIRS_MIN and 2 * pairs >= TEASER_SHARE * len(paras)


def _prose_words(text: str) -> int:
    return sum(len(x.split()) for x in text.split("\n") if _prose(x))
