"""benchmarks/aeb.py: the AEB metric. Hand-made cases always run; agreement with the eval set's own
score.py runs only when ../shared/eval is present."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import aeb  # noqa: E402

EVAL = Path(os.environ.get("CLEANER_EVAL_DIR") or REPO.parent / "shared" / "eval")


def test_tokenize_keeps_case_and_drops_punctuation():
    assert aeb.tokenize("Hello, World! it's 2024") == ["Hello", "World", "it", "s", "2024"]
    assert aeb.tokenize("") == [] and aeb.tokenize(None) == []


def test_shingles_short_text_gives_one_shorter_shingle():
    assert aeb.shingles(["a", "b"]) == {("a", "b"): 1}
    assert aeb.shingles([]) == {}
    assert sum(aeb.shingles("a b c d e".split()).values()) == 2


def test_identical_texts_score_one():
    s = aeb.score([("x", "The tide came in slowly over the flats.", "The tide came in slowly over the flats.")])
    assert (s.precision, s.recall, s.f1, s.f1_doc, s.empty) == (1.0, 1.0, 1.0, 1.0, 0)


def test_half_precision_when_prediction_doubles_the_gold():
    gold = "one two three four five six seven"            # 4 shingles
    pred = gold + " alpha beta gamma delta"                # +4 shingles not in gold
    tp, fp, fn = aeb.triple(gold, pred)
    assert fp == pytest.approx(tp) and fn == 0
    assert aeb.precision(tp, fp, fn) == pytest.approx(0.5)
    assert aeb.recall(tp, fp, fn) == 1.0


def test_multiset_counts_repeats():
    gold = "a b c d"
    tp, fp, fn = aeb.triple(gold, "a b c d\na b c d")   # the repeat adds a crossing and a repeated shingle
    assert fp > 0 and fn == 0


def test_empty_prediction_is_left_out_of_precision_but_counts_in_recall_and_f1doc():
    s = aeb.score([("a", "red green blue yellow", "red green blue yellow"), ("b", "one two three four", "")])
    assert s.precision == 1.0
    assert s.recall == pytest.approx(0.5)
    assert s.f1_doc == pytest.approx(0.5)
    assert s.empty == 1


def test_punctuation_and_line_breaks_do_not_matter():
    s = aeb.score([("x", "Alpha beta, gamma delta.\nEpsilon", "Alpha beta gamma\ndelta Epsilon!")])
    assert s.f1 == 1.0


def _score_py():
    path = EVAL / "score.py"
    if not path.is_file():
        pytest.skip("../shared/eval/score.py is absent")
    spec = importlib.util.spec_from_file_location("shared_eval_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.eval
def test_agrees_with_shared_score_py(tmp_path):
    ref = _score_py()
    golds = sorted((EVAL / "scrapinghub").glob("*.gold.txt"))[:40]
    if not golds:
        pytest.skip("no scrapinghub documents")
    gold_dir, pred_dir = tmp_path / "gold", tmp_path / "pred"
    gold_dir.mkdir()
    pred_dir.mkdir()
    triples = []
    for k, g in enumerate(golds):
        name = g.name[: -len(".gold.txt")]
        gold = g.read_text(encoding="utf-8")
        naive = (g.parent / f"{name}.naive.txt").read_text(encoding="utf-8")
        # varied predictions: the raw dump, its second half, nothing, the gold itself
        pred = [naive, naive[len(naive) // 2:], "", gold][k % 4]
        (gold_dir / g.name).write_text(gold, encoding="utf-8")
        if k % 7:  # some prediction files missing: they count as empty
            (pred_dir / f"{name}.txt").write_text(pred, encoding="utf-8")
        else:
            pred = ""
        triples.append((name, gold, pred))
    mine = aeb.score(triples)
    theirs = ref.score_dir(pred_dir, gold_dir)
    for a, b in [(mine.precision, theirs["precision"]), (mine.recall, theirs["recall"]),
                 (mine.f1, theirs["f1"]), (mine.f1_doc, theirs["f1_doc_mean"])]:
        assert round(a, 3) == round(b, 3)
    assert mine.empty == theirs["empty"]
    for name, r in theirs["per_doc"].items():
        assert mine.per_doc[name]["f1"] == pytest.approx(r["f1"], abs=1e-9)


def test_stories_benchmark_boundary_is_where_b_starts():
    import stories as bench

    b_part = ["Harbour Ferry Returns", "", "Updated: May 2, 2024", "", "2 May 2024", "The ferry sailed again.", "More."]
    # at the inserted header, or at B's first kept line when the header and B's date line went
    assert bench.starts_at_header(b_part, "Story A text.", "Harbour Ferry Returns\n\nThe ferry sailed again.")
    assert bench.starts_at_header(b_part, "Story A text.", "The ferry sailed again.\n\nMore.")
    # a line of B left in the main story: the split came too late
    assert not bench.starts_at_header(b_part, "Story A text.\n\nThe ferry sailed again.", "More.")
    # the split-off part starts with a line that is not B's (too early, inside A)
    assert not bench.starts_at_header(b_part, "Story A", "Story A text.\n\nHarbour Ferry Returns")
