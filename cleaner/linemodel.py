"""Learned line scorer: the probability that each line of a document is main content.

`predict(lines, hints=None) -> list[float]`: `lines` are the non-blank lines of the text, in order;
`hints` (HTML input only) are the html stage's DOM hints, one dict per line.

How it scores (weights in cleaner/data/linemodel.json, trained by benchmarks/train_linemodel.py):
1. Per-line evidence computed in plain Python (`line_features`): length and words, terminal
   punctuation, Title Case shape, stopword density for the document's language (stopword lists are
   data: cleaner/data/stopwords.json), digits and symbols, a learned boilerplate vocabulary (word ->
   log-odds, shipped in the weights file), position, repeated lines, runs of link-like lines,
   distance to the densest prose block, the same evidence for the neighbours, document-level
   statistics and, for HTML, the DOM hints.
2. A gradient-boosted tree ensemble scores each line.
3. Context smoothing: a second ensemble sees the same evidence plus the first pass's scores of the
   neighbours (windows of several sizes) and the block of highest content mass.
Inference is numpy over all lines at once (no randomness: same lines, same scores).

A document-level guard keeps clean text intact: when nearly every line already reads as prose, no
line is scored below 0.5 (a clean article has nothing for the model to remove).
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

_TOK = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_SYM = re.compile(r"[^\w\s]")
_SENT = re.compile(r"[.!?;…](?:\s|$)")
_URL = re.compile(r"(?i)https?:|www\.|\.(?:com|org|net)\b|\w@\w")
_SEP = re.compile(r"[|»›·•/\\>]")
TERMINAL = frozenset(".!?…。！？")
CLOSERS = "\"'”’»)]*"
BULLETS = frozenset("•·-*–—►▸▶»>|#+~")
QUOTES = frozenset("\"“„«'‘")
PAD = -1.0

# Names of the per-line evidence, in column order (the weights file records them, so a mismatch
# between the code and the shipped weights is caught at load time).
BASE = ["ntok", "nchar", "toklen", "end_punct", "end_colon", "end_alnum", "first_upper", "first_digit",
        "first_bullet", "first_quote", "title", "caps", "stop", "digits", "syms", "sentences", "commas",
        "url", "seps", "copyright", "vocab_mean", "vocab_min", "vocab_max", "vocab_hits", "repeat",
        "seen_before", "pos_line", "pos_char", "in_block", "block_dist",
        "block_dist_chars", "linky_run", "prose_run", "win_ntok", "win_prose", "prose_before", "prose_after",
        "sandwich"]
NEIGH = ["ntok", "end_punct", "title", "stop", "vocab_mean", "linky"]
NEIGH_OFFSETS = (-3, -2, -1, 1, 2, 3)
DOC = ["doc_prose_lines", "doc_prose_tokens", "doc_stop"]
HTML_TAGS = ("p", "h", "li", "td", "div", "a", "span", "blockquote", "pre", "other")
HINT = ["h_" + t for t in HTML_TAGS] + ["h_link", "h_depth", "h_article", "h_main", "h_heading", "h_li",
                                       "h_class", "h_class_mean", "h_class_min", "h_class_max",
                                       "h_link_prev", "h_link_next", "h_link_win"]
CONTEXT = ["p_m3", "p_m2", "p_m1", "p_0", "p_p1", "p_p2", "p_p3", "p_w2", "p_w5", "p_w10", "p_doc",
           "p_doc_frac", "p_in_block", "p_block_dist", "p_before", "p_after", "p_max3", "p_min3", "p_up5", "p_down5",
           "p_sandwich"]


def feature_names(html: bool) -> list[str]:
    names = BASE + [f"n{o:+d}_{f}" for o in NEIGH_OFFSETS for f in NEIGH] + DOC
    return names + HINT if html else names


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("cleaner.data").joinpath("stopwords.json").read_text(encoding="utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


def guess_language(token_lists: Sequence[list[str]], sw: dict[str, frozenset[str]]) -> str:
    """The language whose stopwords are most frequent in the document ("" when none occur)."""
    index = _stop_index(id(sw), sw)
    counts: dict[str, int] = {}
    for toks in token_lists:
        for t in toks:
            langs = index.get(t.lower())
            if langs:
                for lang in langs:
                    counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return ""
    return max(sorted(counts), key=counts.__getitem__)


_INDEX: dict[int, tuple[dict, dict[str, tuple[str, ...]]]] = {}


def _stop_index(key: int, sw: dict[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """word -> languages listing it (one dict lookup per token instead of one per language)."""
    hit = _INDEX.get(key)
    if hit is not None and hit[0] is sw:
        return hit[1]
    index: dict[str, list[str]] = {}
    for lang in sorted(sw):
        for w in sw[lang]:
            index.setdefault(w, []).append(lang)
    frozen = {w: tuple(v) for w, v in index.items()}
    _INDEX[key] = (sw, frozen)  # derived from static data only: cannot couple documents
    return frozen


def _line_stats(line: str, toks: list[str], stop: frozenset[str], vocab: dict[str, float]) -> list[float]:
    nt, nc = len(toks), len(line)
    s = line.rstrip().rstrip(CLOSERS) or line
    last = s[-1] if s else ""
    first = line.lstrip()[:1]
    alpha = [t for t in toks if not t[0].isdigit() and t[0] != "_"]
    na = len(alpha) or 1
    low = [t.lower() for t in toks]
    lo = [vocab[t] for t in low if t in vocab]
    return [
        math.log1p(nt), math.log1p(nc), (sum(map(len, toks)) / nt) if nt else 0.0,
        float(last in TERMINAL), float(last == ":"), float(last.isalnum()),
        float(first.isupper()), float(first.isdigit()), float(first in BULLETS), float(first in QUOTES),
        sum(1 for t in alpha if t[0].isupper()) / na,
        sum(1 for t in alpha if len(t) > 1 and t.isupper()) / na,
        (sum(1 for t in low if t in stop) / nt) if nt else 0.0,
        len(_DIGIT.findall(line)) / (nc or 1), len(_SYM.findall(line)) / (nc or 1),
        float(len(_SENT.findall(line))), line.count(",") / (nt or 1),
        float(bool(_URL.search(line))), float(len(_SEP.findall(line))), float("©" in line),
        (sum(lo) / len(lo)) if lo else 0.0, min(lo) if lo else 0.0, max(lo) if lo else 0.0,
        len(lo) / (nt or 1),
    ]


def _runs(flags: list[bool]) -> list[int]:
    """For each position, the length of the run of equal-True flags containing it (0 if False)."""
    out = [0] * len(flags)
    i = 0
    while i < len(flags):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < len(flags) and flags[j]:
            j += 1
        for k in range(i, j):
            out[k] = j - i
        i = j
    return out


def densest_block(values: Sequence[float]) -> tuple[int, int]:
    """[a, b) maximising the sum of values (Kadane); (0, 0) when every value is negative."""
    best, best_ab, cur, start = 0.0, (0, 0), 0.0, 0
    for i, v in enumerate(values):
        if cur <= 0:
            cur, start = 0.0, i
        cur += v
        if cur > best:
            best, best_ab = cur, (start, i + 1)
    return best_ab


def _block_distance(i: int, ab: tuple[int, int]) -> int:
    a, b = ab
    return 0 if a <= i < b else (i - a if i < a else i - b + 1)


def _signed_log(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)


_CLASS_TOK = re.compile(r"[a-z]+")


def class_tokens(hint: str) -> set[str]:
    """Words in an element's class/id hint ("article-body sidebar_2" -> article, body, sidebar)."""
    return set(_CLASS_TOK.findall(hint.lower())) if hint else set()


def _hint_row(h: dict | None, class_vocab: dict[str, float]) -> list[float]:
    if not h:
        return [PAD] * (len(HINT) - 3)
    tag = str(h.get("tag", "")).lower()
    if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
        tag = "h"
    tag = tag if tag in HTML_TAGS else "other"
    chars = float(h.get("chars") or 0) or 1.0
    lo = [class_vocab[t] for t in class_tokens(str(h.get("class_hint") or "")) if t in class_vocab]
    return [float(tag == t) for t in HTML_TAGS] + [
        min(1.0, float(h.get("link_chars") or 0) / chars), float(h.get("depth") or 0),
        float(bool(h.get("in_article"))), float(bool(h.get("in_main"))), float(bool(h.get("heading"))),
        float(bool(h.get("li"))), float(bool(h.get("class_hint"))),
        (sum(lo) / len(lo)) if lo else 0.0, min(lo, default=0.0), max(lo, default=0.0)]


def line_features(lines: Sequence[str], hints: Sequence[dict] | None, vocab: dict[str, float],
                  sw: dict[str, frozenset[str]] | None = None,
                  class_vocab: dict[str, float] | None = None, vocab_lang: str | None = None) -> list[list[float]]:
    """One row of evidence per line (columns: feature_names(hints is not None)). The vocabulary is
    learned from pages in `vocab_lang`; on a page in another language it is left out (its features
    read 0, as on the pages trained without it), so foreign prose is judged by its shape alone."""
    sw = stopwords() if sw is None else sw
    n = len(lines)
    if n == 0:
        return []
    toks = [_TOK.findall(x) for x in lines]
    lang = guess_language(toks, sw)
    stop = sw.get(lang, frozenset())
    if vocab_lang and lang and lang != vocab_lang:
        vocab = {}
    stats = [_line_stats(x, t, stop, vocab) for x, t in zip(lines, toks)]
    nts = [len(t) for t in toks]
    ends = [s[3] for s in stats]
    prose = [nt >= 20 or (nt >= 8 and e > 0) for nt, e in zip(nts, ends)]
    linky = [nt <= 8 and e == 0 for nt, e in zip(nts, ends)]
    block = densest_block([nt if p else -4.0 for nt, p in zip(nts, prose)])
    counts: dict[str, int] = {}
    for x in lines:
        k = x.strip().lower()
        counts[k] = counts.get(k, 0) + 1
    seen: set[str] = set()
    cum = [0] * (n + 1)
    for i, x in enumerate(lines):
        cum[i + 1] = cum[i] + len(x)
    total_chars = cum[n] or 1
    lr, pr = _runs(linky), _runs(prose)
    # distance (in lines) to the nearest prose line above / below: short lines between prose lines
    # (subheadings, list items, bylines) belong with it
    before, after = [99] * n, [99] * n
    last = -99
    for i in range(n):
        before[i] = min(99, i - last)
        if prose[i]:
            last = i
    last = n + 99
    for i in range(n - 1, -1, -1):
        after[i] = min(99, last - i)
        if prose[i]:
            last = i
    total_tok = sum(nts) or 1
    prose_tok = sum(nt for nt, p in zip(nts, prose) if p)
    stop_all = sum(s[12] * nt for s, nt in zip(stats, nts)) / total_tok
    # Only scale-free document statistics: absolute sizes identify a training set, not content.
    doc = [sum(prose) / n, prose_tok / total_tok, stop_all]
    a, b = block
    neigh = [[s[0], s[3], s[10], s[12], s[20], float(l)] for s, l in zip(stats, linky)]
    pad = [PAD] * len(NEIGH)
    if hints is not None:
        cv = class_vocab or {}
        hrows = [_hint_row(hints[i] if i < len(hints) else None, cv) for i in range(n)]
        link = [r[len(HTML_TAGS)] for r in hrows]
    rows = []
    for i in range(n):
        k = lines[i].strip().lower()
        d = _block_distance(i, block)
        if d == 0:
            dc = 0.0
        elif d < 0:
            dc = (cum[a] - cum[i + 1]) / total_chars
        else:
            dc = (cum[i] - cum[b]) / total_chars
        lo, hi = max(0, i - 3), min(n, i + 4)
        lo5, hi5 = max(0, i - 5), min(n, i + 6)
        row = stats[i] + [
            math.log1p(counts[k] - 1), float(k in seen), i / n, cum[i] / total_chars,
            float(d == 0), _signed_log(d), dc,
            math.log1p(lr[i]), math.log1p(pr[i]),
            sum(stats[j][0] for j in range(lo, hi)) / (hi - lo),
            sum(prose[lo5:hi5]) / (hi5 - lo5),
            math.log(before[i]), math.log(after[i]), math.log(max(before[i], after[i])),
        ]
        seen.add(k)
        for o in NEIGH_OFFSETS:
            j = i + o
            row += neigh[j] if 0 <= j < n else pad
        row += doc
        if hints is not None:
            lw = link[max(0, i - 3):i + 4]
            row += hrows[i] + [link[i - 1] if i > 0 else PAD, link[i + 1] if i + 1 < n else PAD,
                               sum(lw) / len(lw)]
        rows.append(row)
    return rows


def context_features(p: Sequence[float], ntok: Sequence[int]) -> list[list[float]]:
    """Second-pass evidence: the first pass's scores around each line (columns: CONTEXT)."""
    n = len(p)
    w = [t + 1 for t in ntok]
    cw = [0.0] * (n + 1)
    cpw = [0.0] * (n + 1)
    for i in range(n):
        cw[i + 1] = cw[i] + w[i]
        cpw[i + 1] = cpw[i] + w[i] * p[i]

    def wmean(i: int, k: int) -> float:
        lo, hi = max(0, i - k), min(n, i + k + 1)
        sw_ = cw[hi] - cw[lo] - w[i]
        return (cpw[hi] - cpw[lo] - w[i] * p[i]) / sw_ if sw_ > 0 else PAD

    block = densest_block([(x - 0.5) * wt for x, wt in zip(p, w)])
    doc_mean = cpw[n] / cw[n] if n else 0.0
    content = [wt if x >= 0.5 else 0 for x, wt in zip(p, w)]
    total_content = sum(content) or 1
    frac = sum(content) / (cw[n] or 1)
    up5 = [max(p[max(0, i - 5):i], default=PAD) for i in range(n)]
    down5 = [max(p[i + 1:i + 6], default=PAD) for i in range(n)]
    before = 0.0
    rows = []
    for i in range(n):
        d = _block_distance(i, block)
        near = [p[j] for j in range(max(0, i - 3), min(n, i + 4)) if j != i] or [PAD]
        rows.append([p[i + o] if 0 <= i + o < n else PAD for o in (-3, -2, -1, 0, 1, 2, 3)] + [
            wmean(i, 2), wmean(i, 5), wmean(i, 10), doc_mean, frac, float(d == 0), _signed_log(d),
            before / total_content, (total_content - before - content[i]) / total_content,
            max(near), min(near), up5[i], down5[i], min(up5[i], down5[i])])
        before += content[i]
    return rows


class Forest:
    """A gradient-boosted tree ensemble stored as flat arrays; scores all rows at once with numpy.
    Leaves point to themselves (feature 0, threshold +inf), so every row can take `depth` steps."""

    def __init__(self, d: dict[str, Any]):
        import numpy as np

        self.feature = np.asarray(d["feature"], dtype=np.int32)
        self.threshold = np.asarray(d["threshold"], dtype=np.float64)
        self.left = np.asarray(d["left"], dtype=np.int32)
        self.right = np.asarray(d["right"], dtype=np.int32)
        self.value = np.asarray(d["value"], dtype=np.float64)
        self.roots = np.asarray(d["roots"], dtype=np.int32)
        self.depth = int(d["depth"])
        self.bias = float(d.get("bias", 0.0))

    def raw(self, X):
        import numpy as np

        n = X.shape[0]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            go_left = X[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1) + self.bias

    def proba(self, X):
        import numpy as np

        return 1.0 / (1.0 + np.exp(-self.raw(X)))


class LineModel:
    """Two tree ensembles (per-line, then context) for one input kind (text or html)."""

    def __init__(self, d: dict[str, Any], vocab: dict[str, float] | None = None):
        self.names = list(d["features"])
        self.html = bool(d.get("html"))
        expected = feature_names(self.html)
        if self.names != expected:
            raise ValueError("linemodel weights do not match this version's features; retrain")
        self.stage1 = Forest(d["stage1"])
        self.stage2 = Forest(d["stage2"])
        self.guard = d.get("guard", {})
        self.vocab = d.get("vocab", {}) if vocab is None else vocab
        self.class_vocab = d.get("class_vocab", {})
        self.vocab_lang = d.get("vocab_lang")

    def predict(self, lines: Sequence[str], hints: Sequence[dict] | None = None) -> list[float]:
        import numpy as np

        if not lines:
            return []
        if self.html and (hints is None or len(hints) != len(lines)):
            hints = [{}] * len(lines)  # no DOM evidence: the hint columns take their padding value
        rows = line_features(lines, hints if self.html else None, self.vocab, None, self.class_vocab,
                             self.vocab_lang)
        X = np.asarray(rows, dtype=np.float64)
        p1 = self.stage1.proba(X)
        ntok = [len(_TOK.findall(x)) for x in lines]
        C = np.asarray(context_features(p1.tolist(), ntok), dtype=np.float64)
        p2 = self.stage2.proba(np.hstack([X, C]))
        words = [max(t, len(_CJK.findall(x))) for t, x in zip(ntok, lines)]
        p = guard(lines, words, p2.tolist(), self.guard)
        p = never_empty(words, keep_markers(lines, no_sentence(words, p)))
        return [round(float(v), 6) for v in p]


def guard(lines: Sequence[str], ntok: Sequence[int], p: list[float], cfg: dict) -> list[float]:
    """Clean-text guard: if the lines the model would drop are few and the document reads as prose
    throughout, keep everything (scores lifted to 0.5). Thresholds come from the weights file."""
    if not cfg or not p:
        return p
    total = sum(ntok) or 1
    dropped = sum(t for t, x in zip(ntok, p) if x < 0.5)
    if dropped == 0:
        return p
    prose = sum(t for x, t in zip(lines, ntok) if t >= 8 and (x.rstrip().rstrip(CLOSERS)[-1:] in TERMINAL))
    if prose / total >= cfg.get("min_prose", 2.0) and dropped / total <= cfg.get("max_drop", -1.0):
        return [max(x, 0.5) for x in p]
    return p


def never_empty(ntok: Sequence[int], p: list[float], min_words: int = 8) -> list[float]:
    """When no line with words would be kept but the page has a sentence-sized line, keep the
    best-scored such line and its neighbours that score at least half as well (lifted to 0.5): the
    best block is the model's best guess, and an empty output scores worst. A page of nothing but
    short menu items ("Home", "Sport") still comes out empty."""
    if not p or any(x >= 0.5 and t for x, t in zip(p, ntok)):
        return p
    cand = [i for i, t in enumerate(ntok) if t >= min_words]
    if not cand:
        return p
    best = max(cand, key=lambda i: (p[i], -i))
    floor = p[best] / 2
    out = list(p)
    i = best
    while i >= 0 and (p[i] >= floor or not ntok[i]):
        out[i] = max(out[i], 0.5)
        i -= 1
    i = best + 1
    while i < len(p) and (p[i] >= floor or not ntok[i]):
        out[i] = max(out[i], 0.5)
        i += 1
    return out


_LETTERS = re.compile(r"[^\W\d_]")
# Scripts written without spaces: each character counts as a word for the document-level checks.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def no_sentence(words: Sequence[int], p: list[float], min_words: int = 6) -> list[float]:
    """A page without a single sentence-sized line has no main text: its short lines (menus,
    section names) all go, however the model ranked them among themselves."""
    if any(w >= min_words for w in words):
        return p
    return [min(x, 0.49) for x in p]


def keep_markers(lines: Sequence[str], p: list[float]) -> list[float]:
    """A line without letters (a liveblog time "09:15", a rule of dashes) between two kept lines
    is part of the text around it: lifted to 0.5. It carries no words the metric could count, and
    removing it would change what a second pass sees."""
    out = list(p)
    for i in range(1, len(p) - 1):
        if out[i] < 0.5 and p[i - 1] >= 0.5 and p[i + 1] >= 0.5 and not _LETTERS.search(lines[i]):
            out[i] = 0.5
    return out


@lru_cache(maxsize=1)
def _models() -> dict[str, LineModel]:
    d = json.loads(resources.files("cleaner.data").joinpath("linemodel.json").read_text(encoding="utf-8"))
    return {kind: LineModel(m) for kind, m in d["models"].items()}


def predict(lines: list[str], hints: list[dict] | None = None) -> list[float]:
    """Probability that each line is main content. With `hints` (one DOM-hint dict per line, from
    the html stage) the score is the mean of the HTML model and the text model: the HTML model alone
    scores best on the dev sets' pages but is brittle on small pages unlike them (it dropped whole
    articles of short clean pages); the text model anchors it."""
    if not lines:
        return []
    models = _models()
    text = models["text"].predict(lines, None)
    if hints is not None and len(hints) == len(lines) and "html" in models:
        dom = models["html"].predict(lines, hints)
        return [round((a + b) / 2, 6) for a, b in zip(dom, text)]
    return text
