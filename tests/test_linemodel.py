"""The learned line scorer (cleaner.linemodel) and its promises: shape, determinism, clean prose
untouched by the whole pipeline, idempotence, the shipped weights."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

import cleaner
from cleaner import linemodel

PROSE_DIR = Path(__file__).resolve().parent / "clean_prose"
PROSE = sorted(PROSE_DIR.glob("*.txt"))

NAV = ["Home", "News", "Sport", "Weather", "Contact us", "Sign in", "Subscribe", "Search"]
FOOT = ["Privacy Policy", "Terms of Use", "Cookie Settings", "About Us", "Careers", "Advertise",
        "Follow us on Twitter", "Share this article", "© 2024 Example Media Group. All rights reserved."]
ARTICLE = [
    "The council approved the new flood barrier on Tuesday after a debate that lasted well into the evening.",
    "Engineers say the barrier will protect about four hundred homes on the low side of the river, where water reached the windowsills two winters ago.",
    "Residents who spoke at the meeting were mostly in favour, although several asked why the work would take three years to finish.",
    "The first stage, a set of pumps near the old mill, is due to start in the spring, weather permitting.",
]


def _lines(text: str) -> list[str]:
    return [x for x in text.splitlines() if x.strip()]


def test_shape_range_and_empty_input():
    assert linemodel.predict([]) == []
    lines = NAV + ARTICLE + FOOT
    p = linemodel.predict(lines)
    assert len(p) == len(lines)
    assert all(0.0 <= x <= 1.0 for x in p)


def test_deterministic():
    lines = NAV + ARTICLE + FOOT
    assert linemodel.predict(list(lines)) == linemodel.predict(list(lines))


def test_separates_navigation_from_article():
    lines = NAV + ARTICLE + FOOT
    p = dict(zip(lines, linemodel.predict(lines)))
    assert all(p[x] >= 0.5 for x in ARTICLE)
    assert sum(p[x] < 0.5 for x in NAV + FOOT) >= len(NAV + FOOT) - 2


def test_second_pass_keeps_what_the_first_kept():
    lines = NAV + ARTICLE + FOOT
    kept = [x for x, s in zip(lines, linemodel.predict(lines)) if s >= 0.5]
    assert kept
    assert all(s >= 0.5 for s in linemodel.predict(kept))


def test_never_empties_a_document_with_words():
    lines = ["Menu", "Login", "Register", "A short note about opening hours this week"]
    assert any(s >= 0.5 for s in linemodel.predict(lines))


def test_hints_of_the_wrong_length_fall_back_to_the_text_model():
    lines = NAV + ARTICLE
    assert linemodel.predict(lines, [{}]) == linemodel.predict(lines)


def test_hints_are_accepted():
    lines = NAV + ARTICLE
    hints = [{"tag": "a" if x in NAV else "p", "chars": len(x), "link_chars": len(x) if x in NAV else 0,
              "depth": 5, "in_article": x in ARTICLE, "in_main": False, "heading": False, "li": x in NAV,
              "class_hint": "menu" if x in NAV else ""} for x in lines]
    p = linemodel.predict(lines, hints)
    assert len(p) == len(lines) and all(0.0 <= x <= 1.0 for x in p)


def test_shipped_weights_are_small_and_match_the_features():
    res = resources.files("cleaner.data").joinpath("linemodel.json")
    blob = json.loads(res.read_text(encoding="utf-8"))
    assert len(res.read_bytes()) < 1_200_000
    assert "text" in blob["models"]
    for kind, m in blob["models"].items():
        assert set(m["features"]) <= set(linemodel.feature_names(kind == "html"))
        assert len(set(m["features"])) == len(m["features"])


def test_stopwords_are_data():
    sw = linemodel.stopwords()
    assert {"en", "de", "fr", "es"} <= set(sw)
    assert "the" in sw["en"] and "und" in sw["de"]


@pytest.mark.parametrize("path", PROSE, ids=[p.stem for p in PROSE])
def test_clean_prose_scores_as_content(path):
    lines = _lines(path.read_text(encoding="utf-8"))
    assert all(s >= 0.5 for s in linemodel.predict(lines)), path.name


@pytest.mark.parametrize("path", PROSE, ids=[p.stem for p in PROSE])
def test_clean_prose_passes_the_whole_pipeline_unchanged(path):
    text = path.read_text(encoding="utf-8")
    doc = cleaner.clean(text)
    assert doc.text == text
    assert not [e for e in doc.edits if e.action == "remove"]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(b.split()) for b in text.split("\n\n") if b.strip()]


# A clean article as a page's HTML, in three shapes: its own <article> under a menu and over a
# footer, a content <div> of <div> paragraphs, one <div> of paragraphs parted by <br><br>. (The
# HTML model alone, or weighted above the text model, dropped the last paragraph of the interview in
# the third shape: a short page unlike the pages it was trained on.)
PAGE_SHAPES = {
    "article": lambda title, paras: (
        "<html><head><title>{t}</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<article><h1>{t}</h1>{p}</article><footer>Example Media</footer></body></html>").format(
        t=title, p="".join(f"<p>{x}</p>" for x in paras)),
    "divs": lambda title, paras: "<html><body><div class='content'><h2>{t}</h2>{p}</div></body></html>".format(
        t=title, p="".join(f"<div>{x}</div>" for x in paras)),
    "br": lambda title, paras: "<html><body><div id='main'>{}</div></body></html>".format(
        "<br><br>".join([title, *paras])),
}


@pytest.mark.parametrize("shape", sorted(PAGE_SHAPES))
@pytest.mark.parametrize("path", PROSE, ids=[p.stem for p in PROSE])
def test_clean_prose_as_html_keeps_every_paragraph(path, shape):
    from html import escape

    title, *paras = _paragraphs(path.read_text(encoding="utf-8"))
    page = PAGE_SHAPES[shape](escape(title), [escape(x) for x in paras])
    doc = cleaner.clean(page.encode("utf-8"))
    assert doc.metadata.get("format") == "html"
    assert _paragraphs(doc.text.replace("\n", "\n\n"))[-len(paras):] == paras, (path.name, shape)


def test_clean_prose_set_covers_several_languages():
    langs = {p.name.split("_")[0] for p in PROSE}
    assert {"en", "de", "fr", "es"} <= langs and len(langs) >= 6


def test_pipeline_is_idempotent_on_a_dirty_page():
    page = "\n\n".join(NAV + ARTICLE + FOOT) + "\n"
    once = cleaner.clean_text(page)
    assert cleaner.clean_text(once) == once


@pytest.mark.eval
def test_second_pass_removes_almost_nothing_on_eval_pages(eval_dir):
    docs = sorted((eval_dir / "scrapinghub").glob("*.naive.txt"))[:30]
    removed = total = 0
    for f in docs:
        lines = _lines(f.read_text(encoding="utf-8"))
        kept = [x for x, s in zip(lines, linemodel.predict(lines)) if s >= 0.5]
        p2 = linemodel.predict(kept)
        removed += sum(len(x) for x, s in zip(kept, p2) if s < 0.5)
        total += sum(map(len, kept))
    assert total and removed / total < 0.01


def test_too_little_context_is_left_alone():
    assert linemodel.predict(["hello world"]) == [1.0]
    assert cleaner.clean_text("  hello  world \n") == "hello world\n"
    assert cleaner.clean_text("Hello   there") == "Hello there\n"
    short = ["Titre de la page", "Un paragraphe court mais complet.", "Fin"]
    assert linemodel.predict(short) == [1.0] * 3


def test_stable_keeps_everything_when_little_would_go():
    words = [30, 30, 30, 2]
    assert linemodel.stable(words, [0.9, 0.9, 0.9, 0.1], 0.1) == [0.9, 0.9, 0.9, 0.5]
    assert linemodel.stable(words, [0.9, 0.1, 0.9, 0.1], 0.1) == [0.9, 0.1, 0.9, 0.1]


def test_stable_lets_a_page_with_plain_boilerplate_go():
    # three lines the model is sure of: a menu over a long article, not a clean text
    words = [300, 1, 1, 1, 2]
    p = [0.9, 0.05, 0.1, 0.15, 0.4]
    assert linemodel.stable(words, p, 0.1, sure=0.2, sure_lines=3) == p
    assert linemodel.stable(words, p, 0.1, sure=0.2, sure_lines=4) == [0.9, 0.5, 0.5, 0.5, 0.5]
    # the same lines between two sentences are the article's own (a list, a Q&A): kept
    words = [150, 1, 1, 1, 150, 2]
    p = [0.9, 0.05, 0.1, 0.15, 0.9, 0.05]
    assert linemodel.stable(words, p, 0.1, sure=0.2, sure_lines=1) == [0.9, 0.5, 0.5, 0.5, 0.9, 0.05]
    assert linemodel.stable(words, p, 0.1, sure=0.2, sure_lines=2) == [0.9, 0.5, 0.5, 0.5, 0.9, 0.5]


MENU = ["Harbour Gazette", "Tide Tables", "Local Clubs", "Ferry Times", "Boats For Sale", "Lifeboat Log",
        "Fish Prices", "Marina Guide", "Harbour Cams", "Dock Map", "Weather Desk", "Shipping News"]  # no rule knows these
LONG_ARTICLE = [
    "The harbour authority said on Tuesday that the old grain pier will close for repairs in the spring, "
    "after engineers found that several of its timber piles had rotted well below the waterline.",
    "Fishing crews who tie up at the pier were told they could use the eastern quay instead, although "
    "several skippers said the quay is too shallow for their boats at low tide and asked for a floating "
    "pontoon to be added before the work begins.",
    "The repairs are expected to take about four months and will cost roughly twice what the council had "
    "set aside for maintenance this year, according to a report that councillors will discuss next week.",
    "A spokesperson for the authority said the pier had served the town for more than a century and that "
    "the goal was to keep it working for the next one, rather than to replace it with a concrete structure.",
    "Residents have been invited to a public meeting in the town hall, where the engineers will show "
    "photographs of the damage and explain how the old timbers will be replaced one section at a time.",
    "The café at the end of the pier will stay open during most of the work, its owner said, although "
    "visitors will have to walk along a temporary path while the middle section is rebuilt.",
    "Local historians have asked the authority to keep a few of the old timbers, which carry the marks "
    "of the shipwrights who built the pier, so that they can be shown in the town museum.",
]


def test_a_menu_over_a_long_article_goes_but_the_article_alone_stays():
    page = "\n\n".join(MENU + LONG_ARTICLE + MENU[:4])
    article = "\n\n".join(LONG_ARTICLE) + "\n"
    cleaned = cleaner.clean_text(page)
    assert cleaned == article  # the menu above and the footer below go; the article stays whole
    assert cleaner.clean_text(cleaned) == cleaned
    assert cleaner.clean_text(article) == article


def test_menu_tail_drops_the_menu_item_over_the_first_sentence_but_not_a_headline():
    words = [2, 2, 1, 2, 3, 2, 2, 30, 25]
    p = [0.02, 0.03, 0.05, 0.04, 0.06, 0.2, 0.7, 0.95, 0.9]
    assert linemodel.menu_tail(words, p) == p[:5] + [0.1, 0.1, 0.95, 0.9]  # sure of five items: the rest are menu too
    headline = words[:6] + [6] + words[7:]  # a six-word headline ends the run of menu items
    assert linemodel.menu_tail(headline, p) == p
    unsure = [0.02, 0.03, 0.3, 0.4, 0.06, 0.2, 0.7, 0.95, 0.9]  # only three items below 0.1: no menu
    assert linemodel.menu_tail(words, unsure) == unsure
    assert linemodel.menu_tail([2, 30], [0.7, 0.9]) == [0.7, 0.9]


def test_fill_gaps_keeps_short_lines_between_kept_ones():
    words = [30, 3, 2, 30, 3, 3, 3, 30]
    p = [0.9, 0.1, 0.2, 0.9, 0.1, 0.1, 0.1, 0.9]
    assert linemodel.fill_gaps(words, p, 2, 12) == [0.9, 0.5, 0.5, 0.9, 0.1, 0.1, 0.1, 0.9]
    assert linemodel.fill_gaps([3, 30], [0.1, 0.9], 2, 12) == [0.1, 0.9]  # nothing kept above


def test_dialogue_keeps_an_interview_s_turns_after_kept_text():
    lines = ["The club's new coach spoke to us after her first week in the job at the harbour ground.",
             "Q: Where did you grow up?", "", "A: By the sea, in a fishing town where everyone played on the beach.",
             "Q: First match you saw?", "Ok, now a quick round.", "A: A cup final.", "Q: Favourite food?",
             "A: Chips.", "Share this story"]
    words = [len(x.split()) for x in lines]
    p = [0.9, 0.4, 0.0, 0.3, 0.1, 0.2, 0.1, 0.1, 0.1, 0.05]
    out = linemodel.dialogue(lines, words, p)
    # every turn, and the aside between two turns, is kept; the share line after the run is not
    assert out == [0.9, 0.5, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.05]
    assert linemodel.dialogue(lines, words, [0.1] + p[1:]) == [0.1] + p[1:]  # nothing kept above it
    assert linemodel.dialogue(lines[:4] + lines[9:], words[:4] + words[9:], p[:4] + p[9:]) == p[:4] + p[9:]  # 2 turns
    specs = ["GPS only: up to 120 hours with solar charging in full sun", "Smartwatch: up to 21 days",
             "GPS only: up to 67 hours", "Smartwatch: up to 11 days"]
    specs_p = [0.9] + [0.1] * 4
    assert linemodel.dialogue(lines[:1] + specs, words[:1] + [len(x.split()) for x in specs], specs_p) == specs_p


def test_inner_prose_keeps_long_sentences_between_kept_lines_only():
    long = "This sentence is long enough to be part of the article, with more than twenty words in it, and it ends well."
    lines = ["Menu", long, "The article's first kept line has a few words of its own.", long, "Share this",
             long.rstrip("."), long, "The article's last kept line has a few words of its own too.", long]
    words = [len(x.split()) for x in lines]
    p = [0.1, 0.3, 0.9, 0.3, 0.2, 0.3, 0.05, 0.9, 0.3]
    out = linemodel.inner_prose(lines, words, p)
    # inside the kept text: the long sentence goes up; a short line, a line with no sentence end and
    # one the scorer was sure of stay out; above the first and below the last kept line nothing moves
    assert out == [0.1, 0.3, 0.9, 0.5, 0.2, 0.3, 0.05, 0.9, 0.3]
    assert linemodel.inner_prose(lines[:3], words[:3], p[:3]) == p[:3]  # one kept line: no inside


def test_tail_prose_keeps_the_sentences_right_after_the_kept_text_up_to_the_first_other_line():
    long = "This sentence is long enough to be part of the article, with more than twenty words in it, and it ends well."
    lines = ["Menu", "The article's first kept line has a few words of its own.", long, long, long,
             "Other stories", long, long]
    words = [len(x.split()) for x in lines]
    p = [0.1, 0.9, 0.4, 0.12, 0.3, 0.1, 0.3, 0.3]
    # the three sentences under the kept line go up; the title ends the run, the teasers stay out
    assert linemodel.tail_prose(lines, words, p) == [0.1, 0.9, 0.5, 0.5, 0.5, 0.1, 0.3, 0.3]
    sure = [0.1, 0.9, 0.4, 0.05, 0.3, 0.1, 0.3, 0.3]  # a sentence the scorer is sure of ends it too
    assert linemodel.tail_prose(lines, words, sure) == [0.1, 0.9, 0.5, 0.05, 0.3, 0.1, 0.3, 0.3]
    assert linemodel.tail_prose(lines, words, [0.3] * 8) == [0.3] * 8  # nothing kept: nothing to follow


def test_unsure_bar_lowers_the_bar_only_where_the_scorer_is_unsure_of_more_than_it_keeps():
    words = [2, 40, 30, 30, 30, 3]  # a menu item, four sentence lines, a footer link
    p = [0.02, 0.7, 0.3, 0.25, 0.1, 0.01]  # 40 words kept, 60 unsure (>= 0.2), 30 sure to go
    out = linemodel.unsure_bar(words, p, floor=0.2, min_words=50)
    assert [x >= 0.5 for x in out] == [False, True, True, True, False, False]
    assert out[3] == 0.5 + (0.25 - 0.2) * 0.5 / 0.8 and out[0] == 0.02 * 0.5 / 0.2  # monotone: order kept
    assert linemodel.unsure_bar(words, p, floor=0.2, min_words=61) == p  # too few unsure words
    keeps_more = [0.02, 0.7, 0.9, 0.25, 0.1, 0.01]  # 70 kept vs 30 unsure: the scorer decided
    assert linemodel.unsure_bar(words, keeps_more, floor=0.2, min_words=10) == keeps_more
    short = [2, 7, 7, 7, 7, 3]  # lines under 8 words are no evidence either way
    assert linemodel.unsure_bar(short, p, floor=0.2, min_words=1) == p


def test_evidence_cache_gives_the_same_scores():
    lines = NAV + ARTICLE + FOOT
    cache: dict = {}
    first = linemodel.predict(lines, None, cache)
    assert cache and linemodel.predict(lines, None, cache) == first == linemodel.predict(lines)
    kept = [x for x, s in zip(lines, first) if s >= 0.5]
    assert linemodel.predict(kept, None, cache) == linemodel.predict(kept)


def _walk(forest, row) -> float:
    """One tree at a time, one node at a time: what Forest.raw computes for all rows at once."""
    import math

    total = 0.0
    values = []
    for root in forest.roots.tolist():
        node = root
        for _ in range(forest.depth):
            x, t = row[forest.feature[node]], forest.threshold[node]
            node = forest.left[node] if (not math.isnan(x) and x <= t) else forest.right[node]
        values.append(forest.value[node])
    for v in values:
        total += v
    return total + forest.bias


def test_forest_scores_match_a_tree_walk():
    import numpy as np

    model = linemodel._models()["text"]
    rng = np.random.default_rng(0)
    X = rng.normal(0.0, 2.0, size=(9, len(model.names)))
    X[0, :] = np.nan  # NaN goes right at every split
    X[1, :] = np.inf
    X[2, :] = -np.inf
    got = model.stage1.raw(X)
    want = [_walk(model.stage1, X[i].tolist()) for i in range(len(X))]
    assert np.allclose(got, want, rtol=0, atol=1e-9)
    assert model.stage1.raw(X[:0]).shape == (0,)


def test_line_stats_fast_paths_count_like_the_regexes():
    samples = ["Home | News › Sport / World > Europe \\ more", "Call 0800 123 456, or mail us@example.org!",
               "(c) 2024 - ALL RIGHTS RESERVED; see www.Example.COM.", "\x1c\x1d\x7f\x00 ,;:", "x" * 50,
               "Ünïcödé • · » ‹ text 42 ½ ²", "HTTP://X.NET and http:/ not", "a@b", "foo.community", ""]
    ascii_all = "".join(chr(c) for c in range(128))
    for line in samples + [ascii_all]:
        assert linemodel._has_url(line) == bool(linemodel._URL.search(line)), line
        if line.isascii():
            b = line.encode("ascii")
            assert len(line) - len(b.translate(None, linemodel._ASCII_DIGITS)) == len(linemodel._DIGIT.findall(line))
            assert len(b.translate(None, linemodel._ASCII_WORD_SPACE)) == len(linemodel._SYM.findall(line))
            assert len(line) - len(b.translate(None, linemodel._ASCII_SEPS)) == len(linemodel._SEP.findall(line))


def test_guess_language_counts_stopwords():
    sw = linemodel.stopwords()
    toks = [["The", "cat", "and", "the", "dog"], ["Der", "Hund", "und", "die", "Katze", "und", "der"]]
    assert linemodel.guess_language(toks, sw) == "de"
    assert linemodel.guess_language([["xyzzy"]], sw) == ""


def test_class_hint_evidence_does_not_depend_on_the_string_hash():
    # A set of class words iterates in hash order, which differs per process; 0.1 + 0.2 + 0.3 sums to
    # a different float in different orders, so a plain sum gave pages different scores per process.
    import os
    import subprocess
    import sys

    code = ("from cleaner import linemodel; "
            "print(repr(linemodel._hint_row({'tag': 'div', 'class_hint': 'alpha beta gamma delta'}, "
            "{'alpha': 0.1, 'beta': 0.2, 'gamma': 0.3, 'delta': 0.7})))")
    rows = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(8)}
    assert len(rows) == 1
