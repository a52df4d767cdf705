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

Document-level checks keep clean text intact and make the decision stable (see finish()): a document
with too little context (few lines or words) is left alone; one of which the model would remove only
a small share of the words is left as it is (a clean article, or a page the model already cleaned).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from itertools import chain, compress
from operator import itemgetter
from importlib import resources
from typing import Any, Sequence

_TOK = re.compile(r"\w+")
_FIRST = itemgetter(0)
_DIGIT = re.compile(r"\d")
_SYM = re.compile(r"[^\w\s]")
_SENT = re.compile(r"[.!?;…](?:\s|$)")
_URL = re.compile(r"(?i)https?:|www\.|\.(?:com|org|net)\b|\w@\w")
_SEP = re.compile(r"[|»›·•/\\>]")
# The ASCII characters each of _DIGIT, _SYM's complement ([\w\s]) and _SEP matches, read from the
# regexes themselves: on an ASCII line, deleting them with bytes.translate counts the matches.
_ASCII_DIGITS = bytes(c for c in range(128) if _DIGIT.match(chr(c)))
_ASCII_WORD_SPACE = bytes(c for c in range(128) if not _SYM.match(chr(c)))
_ASCII_SEPS = bytes(c for c in range(128) if _SEP.match(chr(c)))


def _has_url(line: str) -> bool:
    """bool(_URL.search(line)); most lines hold none of the strings a match needs (no other
    character matches h, t, p, w, c, o, m, r, g, n or e case-insensitively), so the regex is
    only run on those that do."""
    if "@" not in line:
        low = line.lower()
        if not ("http" in low or "www." in low or ".com" in low or ".org" in low or ".net" in low):
            return False
    return _URL.search(line) is not None


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
HINT = ["h_" + t for t in HTML_TAGS] + ["h_link", "h_depth", "h_article", "h_main", "h_heading", "h_in_li",
                                       "h_class", "h_class_mean", "h_class_min", "h_class_max", "h_in_best",
                                       "h_best_rel", "h_best_share",
                                       "h_link_prev", "h_link_next", "h_link_win", "h_best_before", "h_best_after"]
CONTEXT = ["p_m3", "p_m2", "p_m1", "p_0", "p_p1", "p_p2", "p_p3", "p_w2", "p_w5", "p_w10", "p_doc",
           "p_doc_frac", "p_in_block", "p_block_dist", "p_before", "p_after", "p_max3", "p_min3", "p_up5", "p_down5",
           "p_sandwich"]


# Where a line sits in the document's prose: the share of the prose words above it and below it,
# the word-weighted prose density of a wide window, whether it lies between the first and the last
# prose line, its length against the document's typical prose line. Scale-free, so they carry
# from one site's conventions to another's (a short list item amid prose vs a menu above it).
REGION = ["prose_share_before", "prose_share_after", "win_prose_wide", "in_prose_span", "ntok_rel"]
# A teaser's excerpt cut off mid-text ("... the council said it would...", "[…]") and the run of such
# lines it sits in: a listing of other pages reads like prose line by line.
TRUNC = ["trunc", "trunc_run"]
_TRUNC = re.compile(r"(?:\w|[,;:)\]”’\"'])\s?(?:\.{3}|…)\s*$|\[(?:\.{3}|…)\]\s*$")
TRUNC_MIN_WORDS = 4


def feature_names(html: bool) -> list[str]:
    """Every column line_features computes (a model's weights list the ones it uses, by name)."""
    names = BASE + [f"n{o:+d}_{f}" for o in NEIGH_OFFSETS for f in NEIGH] + DOC + REGION + TRUNC
    return names + HINT if html else names


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("cleaner.data").joinpath("stopwords.json").read_text(encoding="utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


def guess_language(token_lists: Sequence[list[str]], sw: dict[str, frozenset[str]]) -> str:
    """The language whose stopwords are most frequent in the document ("" when none occur)."""
    return _guess_lowered([[t.lower() for t in toks] for toks in token_lists], sw)


def _guess_lowered(low_lists: Sequence[list[str]], sw: dict[str, frozenset[str]]) -> str:
    """guess_language over tokens already lower-cased: counts each distinct word once (times its
    frequency) instead of looking up every token."""
    counts = stopword_counts(Counter(chain.from_iterable(low_lists)), sw)
    if not counts:
        return ""
    return max(sorted(counts), key=counts.__getitem__)


def stopword_counts(freq: Counter, sw: dict[str, frozenset[str]]) -> dict[str, int]:
    """language -> how many of the (lower-cased) words counted in `freq` are its stopwords;
    languages with none are left out."""
    index = _stop_index(id(sw), sw)
    counts: dict[str, int] = {}
    for w in freq.keys() & index.keys():
        n = freq[w]
        for lang in index[w]:
            counts[lang] = counts.get(lang, 0) + n
    return counts


def _tokens(lines: Sequence[str], cache: dict | None) -> tuple[list[list[str]], list[list[str]]]:
    """Each line's \\w+ tokens and the same lower-cased, kept in `cache` (one document's) by line."""
    toks, lows = [], []
    for x in lines:
        hit = cache.get(x) if cache is not None else None
        if hit is None:
            t = _TOK.findall(x)
            hit = (t, [w.lower() for w in t])
            if cache is not None:
                cache[x] = hit
        toks.append(hit[0])
        lows.append(hit[1])
    return toks, lows


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


def _vocab_stats(low: list[str], vocab: dict[str, float]) -> list[float]:
    lo = [v for v in map(vocab.get, low) if v is not None] if vocab else []
    nt = len(low)
    return [(sum(lo) / len(lo)) if lo else 0.0, min(lo) if lo else 0.0, max(lo) if lo else 0.0,
            len(lo) / (nt or 1)]


def _shape_stats(line: str, toks: list[str], low: list[str], stop: frozenset[str]) -> list[float]:
    """A line's evidence that does not depend on a model's vocabulary (shared by the text and HTML
    models of one page)."""
    nt, nc = len(toks), len(line)
    s = line.rstrip().rstrip(CLOSERS) or line
    last = s[-1] if s else ""
    first = line.lstrip()[:1]
    # Over the tokens that start with neither a digit nor "_" (a word): how many start upper-case,
    # how many (longer than one character) are all capitals. Counted with C-level maps over the
    # first characters; only the (few) all-capital tokens are looked at one by one.
    firsts = "".join(map(_FIRST, toks))
    na = len(firsts) - sum(map(str.isdigit, firsts)) - firsts.count("_")
    up = sum(map(str.isupper, firsts))  # an upper-case character is neither a digit nor "_"
    caps = 0
    for t in compress(toks, map(str.isupper, toks)):
        if len(t) > 1 and not (t[0].isdigit() or t[0] == "_"):
            caps += 1
    na = na or 1
    if line.isascii():  # the same counts as the regexes', with bytes.translate (see _ASCII_*)
        b = line.encode("ascii")
        digits = nc - len(b.translate(None, _ASCII_DIGITS))
        syms = len(b.translate(None, _ASCII_WORD_SPACE))
        seps = nc - len(b.translate(None, _ASCII_SEPS))
    else:
        digits, syms, seps = len(_DIGIT.findall(line)), len(_SYM.findall(line)), len(_SEP.findall(line))
    return [
        math.log1p(nt), math.log1p(nc), (sum(map(len, toks)) / nt) if nt else 0.0,
        float(last in TERMINAL), float(last == ":"), float(last.isalnum()),
        float(first.isupper()), float(first.isdigit()), float(first in BULLETS), float(first in QUOTES),
        up / na, caps / na,
        (sum(map(stop.__contains__, low)) / nt) if nt else 0.0,
        digits / (nc or 1), syms / (nc or 1),
        float(len(_SENT.findall(line))), line.count(",") / (nt or 1),
        float(_has_url(line)), float(seps), float("©" in line),
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
        return [PAD] * (len(HINT) - 5)
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
        # fsum: a set's order follows the string hash, which differs per process
        (math.fsum(lo) / len(lo)) if lo else 0.0, min(lo, default=0.0), max(lo, default=0.0),
        float(bool(h.get("in_best"))), float(h.get("best_rel", -1)), float(h.get("best_share") or 0.0)]


def line_features(lines: Sequence[str], hints: Sequence[dict] | None, vocab: dict[str, float],
                  sw: dict[str, frozenset[str]] | None = None,
                  class_vocab: dict[str, float] | None = None, vocab_lang: str | None = None,
                  cache: dict | None = None):
    """One row of evidence per line (columns: feature_names(hints is not None)), as a numpy array.
    The vocabulary is learned from pages in `vocab_lang`; on a page in another language it is left
    out (its features read 0, as on the pages trained without it), so foreign prose is judged by its
    shape alone. `cache` (a dict owned by the caller, for one document) keeps each line's own
    evidence across calls: the boilerplate stage scores the same lines again after removals."""
    import numpy as np

    sw = stopwords() if sw is None else sw
    n = len(lines)
    width = len(feature_names(hints is not None))
    if n == 0:
        return np.zeros((0, width))
    if cache is None:
        cache = {}
    toks, lows = _tokens(lines, cache)
    lang = _guess_lowered(lows, sw)
    stop = sw.get(lang, frozenset())
    if vocab_lang and lang and lang != vocab_lang:
        vocab = {}
    vkey = (lang, id(vocab) if vocab else 0)
    stats = []
    for x, t, low in zip(lines, toks, lows):
        key = (vkey, x)
        row = cache.get(key)
        if row is None:
            shape = cache.get((lang, x))  # (another model's call on this page may have worked it out)
            if shape is None:
                shape = cache[lang, x] = _shape_stats(x, t, low, stop)
            row = cache[key] = shape + _vocab_stats(low, vocab)
        stats.append(row)
    S = np.asarray(stats, dtype=np.float64)
    nts = np.fromiter((len(t) for t in toks), dtype=np.int64, count=n)
    ends = S[:, 3]
    prose_b = (nts >= 20) | ((nts >= 8) & (ends > 0))
    linky_b = (nts <= 8) & (ends == 0)
    prose = prose_b.tolist()
    block = densest_block(np.where(prose_b, nts, -4.0).tolist())
    counts: dict[str, int] = {}
    keys = [x.strip().lower() for x in lines]
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    seen: set[str] = set()
    seen_before = np.zeros(n)
    for i, k in enumerate(keys):
        if k in seen:
            seen_before[i] = 1.0
        seen.add(k)
    lens = np.fromiter((len(x) for x in lines), dtype=np.float64, count=n)
    cum = np.concatenate([[0.0], np.cumsum(lens)])
    total_chars = cum[n] or 1.0
    lr = np.asarray(_runs(linky_b.tolist()), dtype=np.float64)
    pr = np.asarray(_runs(prose), dtype=np.float64)
    # distance (in lines) to the nearest prose line above / below: short lines between prose lines
    # (subheadings, list items, bylines) belong with it
    idx = np.arange(n)
    pos = np.where(prose_b, idx, -99)
    last_before = np.concatenate([[-99], np.maximum.accumulate(pos)[:-1]])
    before = np.minimum(99, idx - last_before)
    pos = np.where(prose_b, idx, n + 99)
    next_after = np.concatenate([np.minimum.accumulate(pos[::-1])[::-1][1:], [n + 99]])
    after = np.minimum(99, next_after - idx)
    total_tok = float(nts.sum()) or 1.0
    prose_tok = float(nts[prose_b].sum())
    stop_all = float((S[:, 12] * nts).sum()) / total_tok
    # Only scale-free document statistics: absolute sizes identify a training set, not content.
    doc = [float(prose_b.sum()) / n, prose_tok / total_tok, stop_all]
    a, b = block
    if a < b:
        d = np.where(idx < a, idx - a, np.where(idx >= b, idx - b + 1, 0))
    else:  # empty block: _block_distance(i, (0, 0)) = i + 1
        d = idx + 1
    dc = np.where(d == 0, 0.0, np.where(d < 0, (cum[a] - cum[idx + 1]) / total_chars,
                                         (cum[idx] - cum[b]) / total_chars))
    rep = np.log1p(np.fromiter((counts[k] - 1 for k in keys), dtype=np.float64, count=n))

    def wmean(v, k):
        c = np.concatenate([[0.0], np.cumsum(v)])
        lo, hi = np.maximum(0, idx - k), np.minimum(n, idx + k + 1)
        return (c[hi] - c[lo]) / (hi - lo)

    cols = [S, rep[:, None], seen_before[:, None], (idx / n)[:, None], (cum[:n] / total_chars)[:, None],
            (d == 0).astype(np.float64)[:, None], (np.sign(d) * np.log1p(np.abs(d)))[:, None], dc[:, None],
            np.log1p(lr)[:, None], np.log1p(pr)[:, None], wmean(S[:, 0], 3)[:, None],
            wmean(prose_b.astype(np.float64), 5)[:, None], np.log(before)[:, None], np.log(after)[:, None],
            np.log(np.maximum(before, after))[:, None]]
    neigh = np.column_stack([S[:, 0], S[:, 3], S[:, 10], S[:, 12], S[:, 20], linky_b.astype(np.float64)])
    for o in NEIGH_OFFSETS:
        cols.append(_shift(neigh, o))
    cols.append(np.broadcast_to(np.asarray(doc), (n, len(DOC))))
    ptok = np.where(prose_b, nts, 0).astype(np.float64)
    ptot = float(ptok.sum())
    pcum = np.concatenate([[0.0], np.cumsum(ptok)])
    if ptot > 0:
        share_before = pcum[:n] / ptot
        share_after = (ptot - pcum[1:]) / ptot
        pidx = np.flatnonzero(prose_b)
        span = ((idx >= pidx[0]) & (idx <= pidx[-1])).astype(np.float64)
        typical = float(np.median(nts[prose_b]))
    else:
        share_before = share_after = np.full(n, PAD)
        span = np.zeros(n)
        typical = float(np.median(nts))
    tcum = np.concatenate([[0.0], np.cumsum(nts.astype(np.float64))])
    lo, hi = np.maximum(0, idx - 12), np.minimum(n, idx + 13)
    wide = (pcum[hi] - pcum[lo]) / np.maximum(1.0, tcum[hi] - tcum[lo])
    rel = np.log((nts + 1.0) / (typical + 1.0))
    cols.append(np.column_stack([share_before, share_after, wide, span, rel]))
    trunc = [k >= TRUNC_MIN_WORDS and _TRUNC.search(x) is not None for x, k in zip(lines, nts.tolist())]
    cols.append(np.column_stack([np.asarray(trunc, dtype=np.float64),
                                 np.log1p(np.asarray(_runs(trunc), dtype=np.float64))]))
    if hints is not None:
        cv = class_vocab or {}
        H = np.asarray([_hint_row(hints[i] if i < len(hints) else None, cv) for i in range(n)], dtype=np.float64)
        link = H[:, len(HTML_TAGS)]
        inside = np.flatnonzero(H[:, HINT.index("h_in_best")] > 0)
        at = np.arange(n)
        # above the main container (masthead, menus, the headline's block) or below it (related links,
        # comments, footer): the same shape of line means different things on either side
        before = (at < inside[0]) if len(inside) else np.zeros(n, dtype=bool)
        after = (at > inside[-1]) if len(inside) else np.zeros(n, dtype=bool)
        cols += [H, _shift(link[:, None], -1), _shift(link[:, None], 1), wmean(link, 3)[:, None],
                 np.column_stack([before, after]).astype(np.float64)]
    X = np.hstack(cols)
    assert X.shape == (n, width)
    return X


def _shift(M, o: int):
    """Rows of M moved so that row i holds row i + o (PAD where that is outside)."""
    import numpy as np

    out = np.full_like(M, PAD)
    n = M.shape[0]
    if o > 0 and o < n:
        out[:n - o] = M[o:]
    elif o < 0 and -o < n:
        out[-o:] = M[:n + o]
    return out


def context_features(p: Sequence[float], ntok: Sequence[int]):
    """Second-pass evidence: the first pass's scores around each line (columns: CONTEXT)."""
    import numpy as np

    p = np.asarray(p, dtype=np.float64)
    n = len(p)
    if n == 0:
        return np.zeros((0, len(CONTEXT)))
    w = np.asarray(ntok, dtype=np.float64) + 1
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cpw = np.concatenate([[0.0], np.cumsum(w * p)])
    idx = np.arange(n)

    def wmean(k):
        lo, hi = np.maximum(0, idx - k), np.minimum(n, idx + k + 1)
        sw_ = cw[hi] - cw[lo] - w
        num = cpw[hi] - cpw[lo] - w * p
        return np.where(sw_ > 0, num / np.where(sw_ > 0, sw_, 1.0), PAD)

    a, b = densest_block(((p - 0.5) * w).tolist())
    doc_mean = cpw[n] / cw[n]
    content = np.where(p >= 0.5, w, 0.0)
    total_content = float(content.sum()) or 1.0
    frac = float(content.sum()) / (cw[n] or 1.0)
    if a < b:
        d = np.where(idx < a, idx - a, np.where(idx >= b, idx - b + 1, 0))
    else:
        d = idx + 1
    padded = np.concatenate([np.full(5, -np.inf), p, np.full(5, -np.inf)])
    win = np.lib.stride_tricks.sliding_window_view(padded, 11)  # row i: p[i-5 .. i+5]
    up5 = win[:, :5].max(axis=1)
    down5 = win[:, 6:].max(axis=1)
    up5 = np.where(np.isfinite(up5), up5, PAD)
    down5 = np.where(np.isfinite(down5), down5, PAD)
    near = np.concatenate([win[:, 2:5], win[:, 6:9]], axis=1)  # p[i-3..i-1], p[i+1..i+3]
    nmax = near.max(axis=1)
    nmin = np.where(np.isfinite(near), near, np.inf).min(axis=1)
    nmax = np.where(np.isfinite(nmax), nmax, PAD)
    nmin = np.where(np.isfinite(nmin), nmin, PAD)
    before = np.concatenate([[0.0], np.cumsum(content)[:-1]])
    P = p[:, None]
    cols = [_shift(P, o) for o in (-3, -2, -1)] + [P] + [_shift(P, o) for o in (1, 2, 3)]
    cols += [c[:, None] for c in (
        wmean(2), wmean(5), wmean(10), np.full(n, doc_mean), np.full(n, frac), (d == 0).astype(np.float64),
        np.sign(d) * np.log1p(np.abs(d)), before / total_content,
        (total_content - before - content) / total_content, nmax, nmin, up5, down5, np.minimum(up5, down5))]
    return np.hstack(cols)


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
        # Stepping state: twice the node id. At 2*node sit the node's feature and threshold; the
        # next state is step[2*node + (x <= threshold)] (right child at +0, left at +1, both doubled),
        # so each level costs three gathers and no index arithmetic beyond one add.
        self._feat2 = np.repeat(self.feature.astype(np.intp), 2)
        self._thr2 = np.repeat(self.threshold, 2)
        step = np.empty(2 * len(self.feature), dtype=np.intp)
        step[0::2] = 2 * self.right.astype(np.intp)
        step[1::2] = 2 * self.left.astype(np.intp)
        self._step = step
        self._roots2 = 2 * self.roots.astype(np.intp)
        self._value2 = np.repeat(self.value, 2)
        self._root_feature = self.feature[self.roots].astype(np.intp)
        self._root_threshold = self.threshold[self.roots]

    def raw(self, X):
        import numpy as np

        n, m = X.shape
        X = np.ascontiguousarray(X, dtype=np.float64)
        flat = X.ravel()
        shape = (n, len(self._roots2))
        base = (np.arange(n, dtype=np.intp) * m)[:, None]
        idx = np.empty(shape, dtype=np.intp)
        xv = np.empty(shape)
        tv = np.empty(shape)
        le = np.empty(shape, dtype=bool)
        if self.depth < 1:
            return self._value2[np.broadcast_to(self._roots2, shape)].sum(axis=1) + self.bias
        # level 0: every row at every root, whose features and thresholds are known beforehand
        np.less_equal(X[:, self._root_feature], self._root_threshold, out=le)
        s = self._roots2 + le
        np.take(self._step, s, out=idx, mode="clip")
        s, idx = idx, s
        for _ in range(self.depth - 1):
            np.take(self._feat2, s, out=idx, mode="clip")
            idx += base
            np.take(flat, idx, out=xv, mode="clip")
            np.take(self._thr2, s, out=tv, mode="clip")
            np.less_equal(xv, tv, out=le)  # NaN compares False: goes right
            s += le
            np.take(self._step, s, out=idx, mode="clip")  # indices always valid: no checks
            s, idx = idx, s
        return self._value2[s].sum(axis=1) + self.bias

    def proba(self, X):
        import numpy as np

        return 1.0 / (1.0 + np.exp(-self.raw(X)))


class LineModel:
    """Two tree ensembles (per-line, then context) for one input kind (text or html)."""

    def __init__(self, d: dict[str, Any], vocab: dict[str, float] | None = None):
        self.names = list(d["features"])
        if self.names.count("h_li") == 2:  # weights from before "h_in_li" had its own name
            k = len(self.names) - 1 - self.names[::-1].index("h_li")
            self.names[k] = "h_in_li"
        self.html = bool(d.get("html"))
        known = {name: k for k, name in enumerate(feature_names(self.html))}
        if any(name not in known for name in self.names):
            raise ValueError("linemodel weights name features this version does not compute; retrain")
        cols = [known[name] for name in self.names]
        self.cols = None if cols == list(range(len(known))) else cols
        self.stage1 = Forest(d["stage1"])
        self.stage2 = Forest(d["stage2"])
        self.vocab = d.get("vocab", {}) if vocab is None else vocab
        self.class_vocab = d.get("class_vocab", {})
        self.vocab_lang = d.get("vocab_lang")

    def scores(self, lines: Sequence[str], hints: Sequence[dict] | None = None,
               cache: dict | None = None) -> list[float]:
        """The ensembles' raw probabilities, before the document-level checks (see finish())."""
        import numpy as np

        if not lines:
            return []
        if self.html and (hints is None or len(hints) != len(lines)):
            hints = [{}] * len(lines)  # no DOM evidence: the hint columns take their padding value
        X = line_features(lines, hints if self.html else None, self.vocab, None, self.class_vocab,
                          self.vocab_lang, cache)
        if self.cols is not None:
            X = X[:, self.cols]
        p1 = self.stage1.proba(X)
        C = context_features(p1, np.expm1(X[:, 0]).round())  # column 0: log1p(tokens)
        return self.stage2.proba(np.hstack([X, C])).tolist()

    def predict(self, lines: Sequence[str], hints: Sequence[dict] | None = None,
                cache: dict | None = None, lower_bar: bool = True) -> list[float]:
        """This model alone, with the document-level checks (the module's predict() combines the
        HTML and text models). `lower_bar`: see finish()."""
        if not lines:
            return []
        words = word_counts(lines)
        if too_little_context(words):
            return [1.0] * len(lines)
        return finish(lines, words, self.scores(lines, hints, cache), page=hints is not None,
                      lower_bar=lower_bar)


# A document with fewer lines or words than this gives the model nothing to judge a line against
# (a JSONL record, a title, a short note): the model leaves it alone; only the rules apply.
MIN_CONTEXT_LINES = 5
MIN_CONTEXT_WORDS = 50
# A document of which the model would remove at most this share of the words already reads as
# main text (typically: a page it cleaned before): it is left as it is. This makes the model's
# decision stable under its own removals - cleaning a cleaned text changes nothing - and costs
# little, since it can keep only a few words of boilerplate.
STABLE_MAX_DROP = 0.1
# ... unless this many lines above its first sentence (STABLE_SENTENCE_WORDS words, kept) or below
# its last are ones the model is sure of (score below STABLE_SURE): a long article under a menu and
# over a footer is a page. The margins then go as the model says; the article between them stays
# whole (a clean article's list, Q&A or letter closing is no menu). A second run finds no margins.
STABLE_SURE, STABLE_SURE_LINES = 0.1, 5
STABLE_SENTENCE_WORDS = 8


def word_counts(lines: Sequence[str], toks: Sequence[list[str]] | None = None) -> list[int]:
    """Words per line; in scripts written without spaces each character counts as a word. `toks`:
    the lines' \\w+ tokens when the caller has them."""
    out = []
    for k, x in enumerate(lines):
        t = len(toks[k]) if toks is not None else len(_TOK.findall(x))
        out.append(max(t, len(_CJK.findall(x))) if t and not x.isascii() else t)
    return out


def too_little_context(words: Sequence[int]) -> bool:
    return sum(1 for w in words if w) < MIN_CONTEXT_LINES or sum(words) < MIN_CONTEXT_WORDS


def finish(lines: Sequence[str], words: Sequence[int], p: list[float], page: bool = False,
           lower_bar: bool = True, inside: Sequence[bool] | None = None) -> list[float]:
    """Document-level checks over the ensembles' scores, in order: a lower bar on a page the scorer
    is unsure of (text only, see unsure_bar; `lower_bar=False` for training), stability (nearly
    everything kept -> everything kept; not for an HTML `page`, which is never an already clean
    text: its second run is as plain text, where the check applies), no sentence (nothing kept),
    letterless markers between kept lines (kept), long sentences inside the kept text and right after
    it (kept; on an HTML page only those `inside` the page's main container: elsewhere the DOM
    evidence already had its say), never empty (the best block kept)."""
    if not page:
        if lower_bar:
            p = unsure_bar(words, p)
        p = menu_tail(words, stable(words, p, STABLE_MAX_DROP))
    p = fill_gaps(words, keep_markers(lines, no_sentence(words, p)), FILL_MAX_RUN, FILL_MAX_WORDS)
    p = dialogue(lines, words, p)
    if not page or inside is not None:  # (plain text: inside is None, every line may be lifted)
        p = tail_prose(lines, words, inner_prose(lines, words, p, only=inside), only=inside)
    p = never_empty(words, p)
    return [round(float(v), 6) for v in p]


# A page of a kind the scorer was not trained on (a listicle, a buyer's guide, a how-to of short steps)
# gets middling scores for its prose rather than high ones: it keeps a line or two and is unsure of
# the rest. Its ranking still holds where its threshold does not (menus and footers stay near 0). So
# when the sentence lines (8+ words) it is unsure of -- scored in [UNSURE_FLOOR, 0.5) -- hold more
# words than those it keeps, and at least UNSURE_MIN_WORDS, the bar for that page is UNSURE_FLOOR.
# Leave-one-set-out (the line model never saw the held-out set): +0.008 / +0.047 / -0.002
# (scrapinghub / wcxb / dragnet); in-sample -0.001 / +0.002 / +0.000. A floor of 0.1 gained more
# left out (+0.011 / +0.075 / -0.009) but kept the comments under short articles (in-sample -0.006 /
# +0.001 / -0.004); also requiring that no 50 words score 0.8 or more spared those but halved the gain.
UNSURE_FLOOR, UNSURE_MIN_WORDS = 0.2, 100


def unsure_bar(words: Sequence[int], p: list[float], floor: float = UNSURE_FLOOR,
               min_words: int = UNSURE_MIN_WORDS, line_words: int = 8) -> list[float]:
    """Scores rescaled (monotonically: `floor` -> 0.5, 1 stays 1, 0 stays 0) when the sentence lines
    scored in [floor, 0.5) hold more words than the kept ones, and at least `min_words`."""
    kept = unsure = 0
    for w, x in zip(words, p):
        if w >= line_words:
            if x >= 0.5:
                kept += w
            elif x >= floor:
                unsure += w
    if unsure < min_words or unsure <= kept:
        return p
    return [x * 0.5 / floor if x < floor else 0.5 + (x - floor) * 0.5 / (1.0 - floor) for x in p]


# An interview's or a transcript's turns: lines opening with one of two speaker labels in turn
# ("Q: ..." / "A: ...", "SMITH: ..." / "JONES: ..."). Short questions and one-line answers look
# like a FAQ or a comment list to the line scorer, which drops the end of an interview after its
# first answers. A run of at least DIALOGUE_MIN_TURNS turns, with at least one turn that is a
# sentence (8+ words and its full stop: a product's "GPS: Up to 120 hours" rows are no interview),
# that follows a kept line or starts with one is part of the article.
DIALOGUE_MIN_TURNS = 4
_SPEAKER = re.compile(r"^\s*([^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*){0,2})\s?:\s+\S")


def dialogue(lines: Sequence[str], words: Sequence[int], p: list[float],
             min_turns: int = DIALOGUE_MIN_TURNS) -> list[float]:
    """Lift to 0.5 every line of a run of alternating speaker turns (see _SPEAKER) that follows a
    kept line or opens with one."""
    n = len(lines)
    labels = [None] * n
    for i, x in enumerate(lines):
        if words[i] and ":" in x[:40]:
            m = _SPEAKER.match(x)
            if m:
                labels[i] = m.group(1).casefold()
    out = list(p)
    i = 0
    while i < n:
        if labels[i] is None:
            i += 1
            continue
        turns, run = [i], [i]  # the turns; the run's lines (turns and asides such as "Ok, now for fun.")

        def follows(k: int) -> bool:
            return labels[k] is not None and labels[k] != labels[turns[-1]] and (
                len(turns) < 2 or labels[k] == labels[turns[-2]])

        j = i + 1
        while j < n:
            if not words[j]:
                j += 1
            elif follows(j):
                turns.append(j)
                run.append(j)
                j += 1
            else:  # one line between two turns that go on is an aside of the interview
                nxt = next((k for k in range(j + 1, n) if words[k]), None)
                if labels[j] is not None or nxt is None or not follows(nxt):
                    break
                run.append(j)
                j += 1
        before = next((k for k in range(i - 1, -1, -1) if words[k]), None)
        attached = p[i] >= 0.5 or (before is not None and out[before] >= 0.5)
        if len(turns) >= min_turns and attached and any(
                words[k] >= 8 and _SENTENCE_END.search(lines[k].rstrip()) for k in turns):
            for k in run:
                out[k] = max(out[k], 0.5)
        i = run[-1] + 1
    return out


# A run of at most this many short lines (subheadings, list items, timestamps) scored below 0.5
# between two kept lines is part of the text around it.
FILL_MAX_RUN = 2
FILL_MAX_WORDS = 12


# A sentence line of at least INNER_WORDS words the scorer was unsure of (score >= INNER_MIN) is kept
# when it lies between the first and the last kept sentence line: long sentences inside an article
# are the article (a listicle's items, a guide's steps, quoted experts), while comments, teasers and
# disclaimers come after its last line. On plain text this moved the quality table by +0.001 /
# +0.003 / +0.001 (0.2 / 25: +0.000 / +0.003 / +0.001; 0.0 / 30: +0.000 / +0.003 / +0.000); on
# HTML it cost dragnet 0.003, so it is off there.
# The same bar holds for the sentence lines right after the last kept one, up to the first line that
# is not one (tail_prose): a footer pulls an article's last paragraphs down, while comments and
# teasers come after a header, a title or a short line. Left out (one seed) +0.003 / +0.003 / +0.000,
# in-sample +0.000 / +0.001 / +0.000 (a bar of 0.25: +0.002 / +0.003 / -0.001); a retrained model
# that dropped the last three paragraphs of a long article under a menu (0.42 / 0.35 / 0.18) keeps them.
INNER_MIN, INNER_WORDS = 0.1, 20
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")


def _kept_sentence_lines(words: Sequence[int], p: list[float]) -> list[int]:
    return [i for i, v in enumerate(p) if v >= 0.5 and words[i] >= 8]


def _unsure_sentence(lines, words, p, i: int, lowest: float, min_words: int) -> bool:
    """Line i is a sentence line of `min_words` words or more that the scorer put in [lowest, 0.5)."""
    return lowest <= p[i] < 0.5 and words[i] >= min_words and _SENTENCE_END.search(lines[i].rstrip()) is not None


def inner_prose(lines: Sequence[str], words: Sequence[int], p: list[float], lowest: float = INNER_MIN,
                min_words: int = INNER_WORDS, only: Sequence[bool] | None = None) -> list[float]:
    """Lift to 0.5 every sentence line of `min_words` words or more scored in [lowest, 0.5) that
    lies between the first and the last kept line of 8+ words."""
    kept = _kept_sentence_lines(words, p)
    if len(kept) < 2:
        return p
    out = list(p)
    for i in range(kept[0] + 1, kept[-1]):
        if (only is None or only[i]) and _unsure_sentence(lines, words, p, i, lowest, min_words):
            out[i] = 0.5
    return out


def tail_prose(lines: Sequence[str], words: Sequence[int], p: list[float], lowest: float = INNER_MIN,
               min_words: int = INNER_WORDS, only: Sequence[bool] | None = None) -> list[float]:
    """Lift to 0.5 the sentence lines of `min_words` words or more, scored in [lowest, 0.5), that
    follow the last kept line of 8+ words one after another: an article's last paragraphs, which
    a footer below pulls down (a title, a byline or a short line ends the run: teasers and comments
    come with those)."""
    kept = _kept_sentence_lines(words, p)
    if not kept:
        return p
    out = list(p)
    i = kept[-1] + 1
    while i < len(p) and (only is None or only[i]) and _unsure_sentence(lines, words, p, i, lowest, min_words):
        out[i] = 0.5
        i += 1
    return out


def fill_gaps(words: Sequence[int], p: list[float], max_run: int = FILL_MAX_RUN,
              max_words: int = FILL_MAX_WORDS) -> list[float]:
    """Lift to 0.5 every run of at most `max_run` dropped lines, each of at most `max_words` words,
    whose neighbours above and below are kept."""
    if max_run <= 0:
        return p
    out = list(p)
    n = len(p)
    i = 0
    while i < n:
        if p[i] >= 0.5:
            i += 1
            continue
        j = i
        while j < n and p[j] < 0.5:
            j += 1
        if 0 < i and j < n and j - i <= max_run and all(words[k] <= max_words for k in range(i, j)):
            for k in range(i, j):
                out[k] = 0.5
        i = j
    return out


def _kept_sentences(words: Sequence[int], p: list[float]) -> list[int]:
    """The rows of the kept lines of STABLE_SENTENCE_WORDS words or more (the text's sentences)."""
    return [i for i, (w, x) in enumerate(zip(words, p)) if x >= 0.5 and w >= STABLE_SENTENCE_WORDS]


def stable(words: Sequence[int], p: list[float], max_drop: float = STABLE_MAX_DROP,
           sure: float = STABLE_SURE, sure_lines: int = STABLE_SURE_LINES) -> list[float]:
    """When the lines scored below 0.5 hold at most `max_drop` of the document's words, every line
    is kept (scores lifted to 0.5) -- unless `sure_lines` lines or more above the first sentence
    or below the last score below `sure`: a menu over a long article, a footer under it. Then those
    margins get the model's decision, and the article between them is still kept whole."""
    total = sum(words) or 1
    dropped = sum(w for w, x in zip(words, p) if x < 0.5)
    if dropped == 0 or dropped / total > max_drop:
        return p
    body = _kept_sentences(words, p)
    if body:
        first, last = body[0], body[-1]
        if sum(1 for i, x in enumerate(p) if x < sure and not first <= i <= last) >= sure_lines:
            return [x if not first <= i <= last else max(x, 0.5) for i, x in enumerate(p)]
    return [max(x, 0.5) for x in p]


# A menu's last item, right above the article's first sentence, reads like its headline to the
# scorer (a short line over prose). When the run of short lines it ends holds STABLE_SURE_LINES
# lines the scorer is sure of (below STABLE_SURE), it is one of them. A headline of more than
# MENU_ITEM_WORDS words ends the run.
MENU_ITEM_WORDS = 3


def menu_tail(words: Sequence[int], p: list[float], sure: float = STABLE_SURE,
              sure_lines: int = STABLE_SURE_LINES) -> list[float]:
    """The short lines right above the first kept sentence dropped (scored at most `sure`) when the
    run of short lines they end holds `sure_lines` lines scored below `sure`."""
    body = _kept_sentences(words, p)
    if not body or body[0] == 0:  # no sentence kept, or nothing above the first
        return p
    first = body[0]
    i = first - 1
    while i >= 0 and 0 < words[i] <= MENU_ITEM_WORDS:
        i -= 1
    run = range(i + 1, first)
    if not any(p[k] >= 0.5 for k in run) or sum(1 for k in run if p[k] < sure) < sure_lines:
        return p
    out = list(p)
    for k in run:
        out[k] = min(out[k], sure)
    return out


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


def warm() -> None:
    """Load the weights and the stopword lists now rather than on first use."""
    stopwords()
    _models()


def predict(lines: list[str], hints: list[dict] | None = None, cache: dict | None = None) -> list[float]:
    """Probability that each line is main content. With `hints` (one DOM-hint dict per line, from
    the html stage) the score is the mean of the HTML model and the text model: the HTML model alone
    scores best on the dev sets' pages but is brittle on small pages unlike them (it dropped whole
    articles of short clean pages); the text model anchors it. Documents with too little context
    are left alone (all 1.0); see finish() for the document-level checks. `cache`: a dict the caller
    keeps for one document, so scoring it again after removals reuses each line's evidence."""
    return predict_with(_models(), lines, hints, cache)


# The HTML model's weight in its mean with the text model. Left out per set (train_linemodel.py
# --loso-mix), heavier weights score worse on the set never seen (the table is in benchmarks/HISTORY.md).
HTML_WEIGHT = 0.5


def predict_with(models: dict[str, LineModel], lines: Sequence[str], hints: Sequence[dict] | None = None,
                 cache: dict | None = None, html_weight: float = HTML_WEIGHT,
                 lower_bar: bool = True) -> list[float]:
    """predict() with the given {"text": ..., "html": ...} models (the training script's own)."""
    if not lines:
        return []
    if cache is None:
        cache = {}
    words = word_counts(lines, _tokens(lines, cache)[0])
    if too_little_context(words):
        return [1.0] * len(lines)
    p = models["text"].scores(lines, None, cache)
    if hints is not None and len(hints) == len(lines) and "html" in models:
        dom = models["html"].scores(lines, hints, cache)
        p = [html_weight * a + (1 - html_weight) * b for a, b in zip(dom, p)]
        return finish(lines, words, p, page=True, inside=[bool(h.get("in_best")) for h in hints])
    return finish(lines, words, p, lower_bar=lower_bar)
