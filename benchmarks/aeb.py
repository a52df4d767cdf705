"""The article-extraction-benchmark (AEB) metric, reimplemented for cleaner's quality benchmark.

Same definition as scrapinghub's article-extraction-benchmark evaluate.py (and ../shared/eval/score.py):
  * tokens are `\\w+` runs, case kept, punctuation dropped;
  * a document is the multiset of its 4-gram token shingles (a text with fewer than 4 tokens gives
    one shorter shingle; an empty text gives none);
  * per document tp/fp/fn (multiset overlap) are normalised to sum to one, so every document weighs
    the same;
  * P = mean precision over documents with a non-empty prediction, R = mean recall over documents
    with a non-empty gold, F1 = 2PR/(P+R) of those means; F1doc = mean per-document F1 (empty -> 0).
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

_TOKEN = re.compile(r"\w+")


def tokenize(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(tokens: list[str], n: int = 4) -> Counter:
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def triple(gold: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one document."""
    t, p = shingles(tokenize(gold), n), shingles(tokenize(pred), n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def doc_f1(x: tuple[float, float, float]) -> float:
    p, r = precision(*x), recall(*x)
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass
class Score:
    n_docs: int
    precision: float
    recall: float
    f1: float
    f1_doc: float
    empty: int
    per_doc: dict[str, dict] = field(default_factory=dict, repr=False)

    def line(self) -> str:
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"F1doc={self.f1_doc:.3f} empty={self.empty}")


def aggregate(triples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    ps = [precision(*x) for x in triples if x[0] + x[1] > 0]
    rs = [recall(*x) for x in triples if x[0] + x[2] > 0]
    P = statistics.mean(ps) if ps else 0.0
    R = statistics.mean(rs) if rs else 0.0
    return P, R, (2 * P * R / (P + R) if P + R > 0 else 0.0)


def score(pairs: Iterable[tuple[str, str, str]], n: int = 4) -> Score:
    """Score (name, gold, pred) triples of texts."""
    triples, f1s, per_doc, empty = [], [], {}, 0
    for name, gold, pred in pairs:
        is_empty = not tokenize(pred)
        empty += is_empty
        x = triple(gold, pred, n)
        triples.append(x)
        f1s.append(doc_f1(x))
        per_doc[name] = {"p": precision(*x), "r": recall(*x), "f1": f1s[-1], "empty": is_empty}
    P, R, F = aggregate(triples)
    return Score(len(triples), P, R, F, statistics.mean(f1s) if f1s else 0.0, empty, per_doc)
