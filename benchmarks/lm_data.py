"""Data for training and evaluating the line model: the eval sets' documents as line lists, with
labels derived from the gold text (shared by train_linemodel.py and features_report.py).

Label of a line = the fraction of its tokens covered by 4-gram shingles that also occur in the gold
(the benchmark's own unit). Shingles run across line boundaries, so a short line ("By Ann Lee")
counts when it sits next to the gold text it belongs with. Gold shingles are a multiset: a repeated
headline or teaser consumes them only once, nearest to the main block first, so the copy in the
page's navigation is not labelled content.
"""
from __future__ import annotations

import gzip
import os
import pickle
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_TOK = re.compile(r"\w+")
SETS = ("scrapinghub", "wcxb-dev-article", "dragnet")
REPO = Path(__file__).resolve().parent.parent


def default_data() -> Path:
    return Path(os.environ.get("CLEANER_EVAL", REPO.parent / "shared" / "eval"))


@dataclass
class Doc:
    set: str
    name: str
    lines: list[str]
    gold: str
    cover: list[float] = field(default_factory=list)
    hints: list[dict] | None = None

    @property
    def labels(self) -> list[int]:
        return [int(c >= 0.5) for c in self.cover]


def coverage(lines: list[str], gold: str, n: int = 4) -> list[float]:
    toks = [_TOK.findall(x) for x in lines]
    flat: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(toks):
        flat += t
        owner += [i] * len(t)
    gold_toks = _TOK.findall(gold)
    if not flat:
        return [0.0] * len(lines)
    if len(gold_toks) < n:  # tiny gold: token-level match
        g = set(gold_toks)
        return [sum(w in g for w in t) / len(t) if t else 0.0 for t in toks]
    gset = Counter(tuple(gold_toks[i:i + n]) for i in range(len(gold_toks) - n + 1))
    starts = [tuple(flat[k:k + n]) for k in range(len(flat) - n + 1)]
    # pass 1: set-based coverage, to find the main block
    cov1 = [0] * len(flat)
    for k, sh in enumerate(starts):
        if sh in gset:
            for j in range(k, k + n):
                cov1[j] = 1
    frac1 = _frac(toks, owner, cov1, len(lines))
    vals = [len(t) if f >= 0.5 else -len(t) - 1 for t, f in zip(toks, frac1)]
    from cleaner.linemodel import densest_block

    a, b = densest_block(vals)
    # pass 2: multiset consumption, lines nearest the main block first
    order = sorted(range(len(lines)), key=lambda i: (0 if a <= i < b else min(abs(i - a), abs(i - b + 1)), i))
    first_tok = [0] * (len(lines) + 1)
    for i, t in enumerate(toks):
        first_tok[i + 1] = first_tok[i] + len(t)
    left = Counter(gset)
    cov = [0] * len(flat)
    for i in order:
        for k in range(first_tok[i], min(first_tok[i + 1], len(starts))):
            sh = starts[k]
            if left.get(sh, 0) > 0:
                left[sh] -= 1
                for j in range(k, k + n):
                    cov[j] = 1
        # the line's last tokens are covered only by shingles that start earlier
    return _frac(toks, owner, cov, len(lines))


def _frac(toks, owner, cov, nlines):
    hit = [0] * nlines
    for j, c in enumerate(cov):
        hit[owner[j]] += c
    return [hit[i] / len(t) if t else 0.0 for i, t in enumerate(toks)]


def _fix_empty(lines, cover):
    """Lines without tokens take their previous neighbour's label (they weigh nothing in the metric)."""
    out = list(cover)
    for i, x in enumerate(lines):
        if not _TOK.search(x):
            out[i] = out[i - 1] if i else 0.0
    return out


def load_set(name: str, data: Path | None = None, cache: Path | None = Path("/tmp/lm_cache")) -> list[Doc]:
    data = data or default_data()
    cf = cache / f"{name}.pkl" if cache else None
    if cf and cf.exists():
        with open(cf, "rb") as f:
            return [Doc(**d) for d in pickle.load(f)]
    docs = []
    for g in sorted((data / name).glob("*.gold.txt")):
        stem = g.name[: -len(".gold.txt")]
        naive = (data / name / f"{stem}.naive.txt").read_text(encoding="utf-8")
        gold = g.read_text(encoding="utf-8")
        lines = [x for x in naive.splitlines() if x.strip()]
        docs.append(Doc(name, stem, lines, gold, _fix_empty(lines, coverage(lines, gold))))
    if cf:
        cf.parent.mkdir(parents=True, exist_ok=True)
        with open(cf, "wb") as f:
            pickle.dump([vars(d) for d in docs], f)
    return docs


def read_html(data: Path, set_name: str, stem: str) -> bytes:
    return gzip.decompress((data / set_name / f"{stem}.html.gz").read_bytes())


if __name__ == "__main__":  # oracle: keep exactly the lines labelled content
    sys.path.insert(0, str(REPO / "benchmarks"))
    import aeb

    for s in sys.argv[1:] or SETS:
        docs = load_set(s)
        sc = aeb.score((d.name, d.gold, "\n".join(x for x, l in zip(d.lines, d.labels) if l)) for d in docs)
        raw = aeb.score((d.name, d.gold, "\n".join(d.lines)) for d in docs)
        print(f"{s:18s} oracle {sc.line()}   raw {raw.line()}")


def load_pipeline_set(name: str, mode: str = "text", data: Path | None = None,
                      cache: Path | None = Path("/tmp/lm_cache"), rules: bool = True) -> list[Doc]:
    """The lines (and DOM hints) the line model sees inside the pipeline: every stage before it and
    boilerplate's rules, blocks and repeats run as shipped; the model's first call per document is
    captured (and answered "keep all", so the stage stops there). rules=False: the same with
    boilerplate's rules (and the block headings they find) off -- the lines a model would see
    if no rule knew the page's furniture."""
    data = data or default_data()
    cf = cache / f"{name}.{mode}.{_code_key()}{'' if rules else '.norules'}.pipe.pkl" if cache else None
    if cf and cf.exists():
        with open(cf, "rb") as f:
            return [Doc(**d) for d in pickle.load(f)]
    sys.path.insert(0, str(REPO))
    from cleaner import linemodel
    from cleaner.config import Config
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    captured: list = []

    def capture(lines, hints=None, cache=None):
        if not captured:
            captured.append((list(lines), None if hints is None else [dict(h) for h in hints]))
        return [1.0] * len(lines)

    # stages after boilerplate (stories, language) cannot change what the model saw: skip them
    # (common.caption.agency_credit backtracks exponentially on long dash lines: off while capturing)
    config = Config(disable_rules=("common.caption.agency_credit",))
    config = config.with_stage("stories", False).with_stage("language", False)
    if not rules:
        config = config.replace_options("boilerplate", rules=False)
    pipeline = Pipeline.from_config(config)
    real = linemodel.predict
    linemodel.predict = capture
    docs = []
    try:
        for g in sorted((data / name).glob("*.gold.txt")):
            stem = g.name[: -len(".gold.txt")]
            src = data / name / (f"{stem}.naive.txt" if mode == "text" else f"{stem}.html.gz")
            captured.clear()
            pipeline(Document(id=src.name, raw=src.read_bytes()))
            lines, hints = captured[0] if captured else ([], None)
            gold = g.read_text(encoding="utf-8")
            docs.append(Doc(name, stem, lines, gold, _fix_empty(lines, coverage(lines, gold)), hints))
    finally:
        linemodel.predict = real
    if cf:
        cf.parent.mkdir(parents=True, exist_ok=True)
        with open(cf, "wb") as f:
            pickle.dump([vars(d) for d in docs], f)
    return docs


def _code_key() -> str:
    """A digest of what decides the captured lines (the rule files and the stages' code), so a cache
    written before a rule or stage changed is not reused."""
    import hashlib

    h = hashlib.sha1()
    for p in sorted([*(REPO / "rules").glob("*.toml"), *(REPO / "cleaner" / "stages").glob("*.py")]):
        if p.name != "stories.py" and p.name != "language.py":  # they run after the model
            h.update(p.read_bytes())
    return h.hexdigest()[:10]
