"""The encoding stage: ftfy repair recorded as edits, its fast path (identical to ftfy everywhere),
truncated mojibake, garbage lines, stray glyphs, and what must never be touched. Texts are ours."""
from __future__ import annotations

import random
import re

import ftfy
import pytest
from ftfy.badness import BADNESS_RE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.document import Document
from cleaner.stages import encoding as E

STAGE = E.Stage(E.Options())
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(text: str, stage: E.Stage = STAGE, **metadata) -> Document:
    return stage(Document(id="t.txt", text=text, metadata=dict(metadata)))


def mojibake(s: str) -> str:
    """UTF-8 read as Windows-1252, the commonest damage in scraped text."""
    return s.encode("utf-8").decode("windows-1252", "replace")


def reference(text: str, fixer: E.FastFtfy) -> str:
    """ftfy.fix_text on each line: its "auto" unescaping looks at the line's own "<" here (see
    encoding.Options.unescape_html); everything else ftfy does line by line anyway."""
    config = fixer.config._replace(explain=False)
    return "".join(ftfy.fix_text(line, config) for line in re.findall(r"[^\n]*\n|[^\n]+", text))


# -- ftfy repairs, recorded --------------------------------------------------------------------------
def test_mojibake_is_repaired_and_explained():
    doc = run("The menu\nCafÃ© crÃ¨me and naÃ¯ve tarts\n")
    assert doc.text == "The menu\nCafé crème and naïve tarts\n"
    (edit,) = doc.edits
    assert (edit.stage, edit.rule, edit.action, edit.line) == ("encoding", "ftfy.fix_encoding", "replace", 2)
    assert (edit.before, edit.after) == ("CafÃ© crÃ¨me and naÃ¯ve tarts", "Café crème and naïve tarts")


def test_curly_quote_mojibake():
    doc = run("She said â€œquotedâ€\x9d and itâ€™s fine â€” really.\n")
    assert doc.text == "She said “quoted” and it’s fine — really.\n"


def test_curly_quotes_are_kept_by_default_and_uncurled_on_request():
    text = "“Curly” and ‘single’ quotes, it’s true.\n"
    assert run(text).text == text and run(text).edits == []
    uncurl = E.Stage(E.Options(uncurl_quotes=True))
    doc = run(text, uncurl)
    assert doc.text == "\"Curly\" and 'single' quotes, it's true.\n"
    assert {e.rule for e in doc.edits} == {"ftfy.uncurl_quotes"}


def test_each_ftfy_step_is_its_own_edit():
    doc = run("Fish &amp; chips at the cafÃ©, ﬁne\n")
    assert doc.text == "Fish & chips at the café, fine\n"
    steps = [(e.rule, e.before, e.after) for e in doc.edits]
    assert steps == [
        ("ftfy.unescape_html", "Fish &amp; chips at the cafÃ©, ﬁne", "Fish & chips at the cafÃ©, ﬁne"),
        ("ftfy.fix_encoding", "Fish & chips at the cafÃ©, ﬁne", "Fish & chips at the café, ﬁne"),
        ("ftfy.fix_latin_ligatures", "Fish & chips at the café, ﬁne", "Fish & chips at the café, fine"),
    ]


def test_unescape_html_modes():
    text = "Tom &amp; Jerry\n1 &lt; 2 is <true>\nRock &amp; roll\n"
    # ftfy's "auto", per line: entities are decoded except on a line holding "<"
    assert run(text).text == "Tom & Jerry\n1 &lt; 2 is <true>\nRock & roll\n"
    assert run(text, E.Stage(E.Options(unescape_html="always"))).text == "Tom & Jerry\n1 < 2 is <true>\nRock & roll\n"
    assert run(text, E.Stage(E.Options(unescape_html="never"))).text == text


def test_a_line_holding_lt_keeps_only_its_own_entities():
    # a stray "<" a later stage removes must not leave entities a second run would decode
    once = cleaner.clean("<\nFish &amp; chips are served here every day of the week, from noon.\n").text
    assert once == "Fish & chips are served here every day of the week, from noon.\n"
    assert cleaner.clean(once).text == once


def test_options_validate():
    assert E.Options().validate() is None
    assert "unescape_html" in E.Options(unescape_html="sometimes").validate()
    assert E.Options(garbage_max_chars=0).validate()


def test_control_characters_go_and_crlf_stays_for_normalize():
    doc = run("one\x07 two\r\nthree\x1b[31m red\x1b[0m\r\n")
    assert doc.text == "one two\r\nthree red\r\n"
    assert {e.rule for e in doc.edits} == {"ftfy.remove_control_chars", "ftfy.remove_terminal_escapes"}


def test_ascii_text_is_untouched_fast():
    text = "Plain ASCII text, nothing to do.\n\nAnother paragraph.\n"
    doc = run(text)
    assert doc.text == text and doc.edits == []


# -- never touched ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. «Καλημέρα», είπε.\nΕΛΛΑΔΑ — ΑΘΗΝΑ\n",
    "Москва — столица России. «Привет», сказал он.\nКраткая строка\n",
    "北京是中国的首都，人口众多。\n他说：“你好！”\n",
    "東京は日本の首都です。カタカナとひらがな。\n",
    "서울은 한국의 수도입니다.\n",
    "القاهرة هي عاصمة مصر.\nירושלים היא עיר.\n",
    "Emoji stay: 👍🏽 👨‍👩‍👧 🇫🇷 ❤️ and ✔ done.\n",
    "Straße, façade, Ærøskøbing, Øresund, São Paulo, İstanbul, Łódź — “quoted” ‘too’ … 5 € £3 ½ 2×3 ±1 °C\n",
    "Languages: English Deutsch Français Русский Ελληνικά 日本語 中文 العربية\n",
    "Price ─ $5 and a tree:\n├── src\n│   └── main.py\n",
])
def test_legitimate_text_passes_untouched(text):
    doc = run(text)
    assert doc.text == text
    assert doc.edits == []


def test_greek_with_latin_homoglyphs_is_kept():
    text = "Η ΚΑΛΗΜEPA ΕΛΛAΔA σήμερα\nΑυτό είναι ένα ελληνικό κείμενο με αρκετές λέξεις.\n"
    assert run(text).text == text


# -- truncated mojibake ------------------------------------------------------------------------------
@pytest.mark.parametrize("damaged, repaired", [
    ("He said â€œhelloâ€ and left.\n", "He said “hello” and left.\n"),
    ("It was â€œgreatâ€\n", "It was “great”\n"),
    ("Family ðŸ‘¨â€ðŸ‘© photo\n", "Family 👨\u200d👩 photo\n"),
])
def test_truncated_mojibake_is_repaired(damaged, repaired):
    doc = run(damaged)
    assert doc.text == repaired
    assert doc.edits[0].rule == "encoding.truncated_mojibake" and doc.edits[0].line == 1


def test_truncated_mojibake_without_context_is_left_to_ftfy():
    assert E.repair_truncated("a stray â€ here") == "a stray â€ here"


# -- garbage lines and stray glyphs ------------------------------------------------------------------
@pytest.mark.parametrize("garbage", ["\ue800\ue801\ue802", "════════════", "\ufffd\ufffd\ufffd", "▓▓▒▒░░",
                                     "\U000f0001 \U000f0002", "ΘЖλщ Ξфыω ԀλжΩ"])
def test_garbage_lines_are_removed(garbage):
    prose = "The harbour reopened on Monday after a week of storms kept the ferries in port."
    doc = run(f"{prose}\n{garbage}\n\n{prose}\n")
    assert doc.text == f"{prose}\n\n{prose}\n"
    (edit,) = doc.edits
    assert (edit.rule, edit.action, edit.before, edit.line) == ("encoding.garbage_line", "remove", garbage, 2)


def test_garbage_judges_lines_by_the_page_they_are_on():
    # words that switch alphabet are garbage unless one of their alphabets is the page's main one
    mixed = ["aΒ aΒ", "ΘЖλщ Ξфыω ԀλжΩ"]  # Latin and Greek; Greek and Cyrillic
    cyrillic = ["Городской совет утвердил бюджет нового бассейна."] + mixed
    assert STAGE.garbage(cyrillic) == [1]
    assert STAGE.garbage(["The council approved the budget for the new pool."] + mixed) == [2]
    assert E.Stage(E.Options(garbage_lines=False)).garbage(cyrillic) == []


def test_stray_glyphs_leave_prose():
    doc = run("The \ufffd ferry left at noon\ufffd, on time.\n\ue80d Share this story\n")
    assert doc.text == "The ferry left at noon, on time.\nShare this story\n"
    assert [e.rule for e in doc.edits] == ["encoding.stray_glyph", "encoding.stray_glyph"]


def test_a_glyph_between_letters_leaves_a_space():
    doc = run("Stories shaping\ufffdand shaped by\ufffdthe week, don\ufffdt miss them.\n")
    assert doc.text == "Stories shaping and shaped by the week, don t miss them.\n"


def test_pua_runs_in_text_are_not_stray():
    text = "A rare name \ue001\ue002 written with private characters in a long sentence.\n"
    assert run(text).text == text


@pytest.mark.parametrize("damaged, repaired", [
    ("The premium was $32 for cats.Â\n", "The premium was $32 for cats.\n"),
    ("Step 2:Â Appoint an agent.\n", "Step 2: Appoint an agent.\n"),
    ("It rained all week. Â\nThe ferry waited.\n", "It rained all week. \nThe ferry waited.\n"),
    ("Sign up for the letter in your inboxÂ\n", "Sign up for the letter in your inbox\n"),
    # several spaces before it: normalize makes them one, and a second run would see " Â"
    ("It rained all week.   Â\nThe ferry waited.\n", "It rained all week.   \nThe ferry waited.\n"),
])
def test_a_lone_a_circumflex_left_by_a_lost_no_break_space_goes(damaged, repaired):
    doc = run(damaged)
    assert doc.text == repaired
    assert [e.rule for e in doc.edits] == ["encoding.lost_nbsp"]
    assert run(doc.text).edits == []


@pytest.mark.parametrize("text", ["ROMÂNIA\n", "CAPITÂ and more\n", "A Ă Â B C\n", "Âge d'or\n"])
def test_a_circumflex_in_a_word_or_after_a_capital_stays(text):
    assert run(text).text == text


def test_lost_nbsp_can_be_turned_off():
    text = "for cats.Â\n"
    assert run(text, E.Stage(E.Options(lost_nbsp=False))).text == text


def test_hints_stay_aligned_when_lines_go():
    text = "Title\n\n\ue800\ue801\n\nBody text of the page, long enough.\nCafÃ©\n"
    hints = [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]
    doc = run(text, html_lines=hints)
    assert doc.text == "Title\n\nBody text of the page, long enough.\nCafé\n"
    assert doc.metadata["html_lines"] == [{"n": 0}, {"n": 2}, {"n": 3}]


# -- idempotence ---------------------------------------------------------------------------------------
SAMPLES = ["CafÃ© crÃ¨me\n", "He said â€œhelloâ€ and left.\n", "Tom &amp;amp; Jerry &lt;b&gt;\n",
           "x\n\ue800\ue801\n\ny \ufffd z words here\n", "ΘЖλщ Ξфыω Ԁλж\nEnglish text line.\n", "ﬁ &#10; b\n"]


@pytest.mark.parametrize("text", SAMPLES)
def test_idempotent_on_samples(text):
    once = run(text).text
    assert run(once).text == once


PIECES = st.sampled_from(
    list("abc XYZ.,;'\"\n\n<>&#;0123") + ["&amp;", "&eacute;", "&#39;", "&#x2019;", "&lt;", "&amp;amp;"]
    + list("ÃÂâ€œ™”“’é¦ñÐÑðŸ\x80\x85\x93\x9d\xa0²³×¬¯¸ƒ†‰◊�ªºΒΓΞΟВГРСЂ√≈‚ā")
    + list("\ue800\ufffd\ufeff\u2028ﬁＡ\x07\x1b─█Ωλжд中文👍\u200d") + ["â€ ", "â€", "Ã ", " Â "])


def texts():
    plain = st.lists(PIECES, max_size=60).map("".join)
    damaged = st.text(max_size=60).map(mojibake)
    return st.lists(st.one_of(plain, damaged, plain.map(lambda s: s.replace("\n", " "))), max_size=6).map("\n".join)


@SETTINGS
@given(texts())
@example("aΒ\ue800aΒ\nØ\xa0Ø\xa0Ø\xa0")  # the glyph gone leaves two words that switch alphabet: garbage
# repaired by ftfy only once its C1 control goes (in settling): words that switch alphabet on a Greek page
@example("Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό.\nÂ<Ã©ЖbÐ a\x81Ð–\nΤο δημοτικό συμβούλιο ενέκρινε.")
# a page half Greek, half English: its mojibake's letters tipped the count to Latin on the first run
# only, and the repaired line (Latin and Cyrillic) was garbage to a second run's Greek
@example("Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό της νέας πισίνας.\n\x81a\x81Ð–Ââ€\x81ЖÐÐ\n"
         "The town council approved the budget for the new pool on Tuesday.")
# a piece split off at a line separator ftfy made, repaired alone, makes another separator
@example("The town council approved the budget.\nÐ–\x8dâ€¨Ж â€¨€\r\t\x85\nThe vote was close.")
def test_stage_is_idempotent(text):
    once = run(text).text
    assert run(once).text == once


# -- the fast path is ftfy, exactly ------------------------------------------------------------------
@SETTINGS
@given(texts())
def test_fast_path_equals_ftfy_everywhere(text):
    for fixer in (STAGE.fixer, FIXER_ALWAYS, FIXER_UNCURL):
        assert fixer.fix(text)[0] == reference(text, fixer)


FIXER_ALWAYS = E.Stage(E.Options(unescape_html="always", fix_character_width=True)).fixer
FIXER_UNCURL = E.Stage(E.Options(uncurl_quotes=True, fix_latin_ligatures=False, unescape_html="never")).fixer


@SETTINGS
@given(st.lists(PIECES, max_size=20).map("".join) | st.text(max_size=40).map(mojibake))
def test_prefilter_is_a_necessary_condition_of_ftfy_badness(s):
    # where ftfy's badness regex matches, the cheap prefilter must match too
    if BADNESS_RE.search(s):
        assert STAGE.fixer.maybe_bad.search(s)


def test_fast_path_on_very_long_lines_matches_ftfy():
    fixer = E.FastFtfy(**{**STAGE.fixer.config._asdict(), "max_decode_length": 50})
    text = ("CafÃ© &amp; " * 20) + "\n" + "short Ã©\n" + "x" * 120
    assert fixer.fix(text)[0] == reference(text, fixer)


def test_a_long_text_of_short_lines_matches_ftfy_and_skips_clean_lines(monkeypatch):
    fixer = E.FastFtfy(**{**STAGE.fixer.config._asdict(), "max_decode_length": 50})
    lines = ["The ferry runs again from Monday.\n", "CafÃ© crÃ¨me &amp; tea\n", "Tom &lt;b&gt; here\n",
             "A quiet line\n"] * 10
    text = "".join(lines)
    assert len(text) > 50
    assert fixer.fix(text)[0] == reference(text, fixer)
    seen = []
    real = fixer.ftfy.fix_and_explain
    monkeypatch.setattr(fixer.ftfy, "fix_and_explain", lambda seg, cfg: seen.append(seg) or real(seg, cfg))
    fixer.fix(text)
    assert "The ferry runs again from Monday.\n" not in seen and "A quiet line\n" not in seen


def test_fast_path_equals_ftfy_on_the_dev_sets(eval_dir):
    files = sorted(eval_dir.glob("*/*.naive.txt"))
    if not files:
        pytest.skip("no dev-set texts")
    rnd = random.Random(7)
    sample = rnd.sample(files, min(300, len(files)))
    fixer = STAGE.fixer
    for f in sample:
        text = f.read_text(encoding="utf-8")
        for variant in (text, mojibake(text[:3000]), text[:3000].replace("'", "&#39;")):
            assert fixer.fix(variant)[0] == reference(variant, fixer), f.name
            for line in variant.split("\n")[:200]:
                if BADNESS_RE.search(line):
                    assert fixer.maybe_bad.search(line), (f.name, line)


def test_a_line_separator_made_by_ftfy_is_a_line_end():
    # "â€¨" is U+2028 read as cp1252: repaired, it ends the line, as a second run would make it
    once = run("Before\u00e2\u20ac\u00a8after and more text\n").text
    assert once == "Before\nafter and more text\n"
    assert run(once).text == once


def test_ftfy_sees_a_line_as_normalize_will_leave_it():
    # ftfy leaves "\xa0éØ·" alone but repairs "éØ·": the no-break space normalize would drop must
    # not decide what a first run repairs and a second run would
    once = run("\u00a0\u00e9\u00d8\u00b7\n").text
    assert once == "\u9a37\n" and run(once).text == once
    import cleaner
    first = cleaner.clean(b"\xa0\xe9\xd8\xb7", doc_id="f.txt").text
    assert cleaner.clean(first.encode("utf-8"), doc_id="g.txt").text == first


def test_a_tab_counts_like_the_space_normalize_makes_of_it_in_the_garbage_test():
    import cleaner

    first = cleaner.clean("â€™Ã©\tï¿½ï¿½ï¿½".encode("utf-8"), doc_id="f.txt").text
    assert cleaner.clean(first.encode("utf-8"), doc_id="g.txt").text == first


def test_ftfy_sees_the_spaces_a_replaced_stray_glyph_leaves_as_normalize_will():
    import cleaner

    # the stray U+FFFD becomes a space; "  Â " (two spaces) is left by ftfy, "Â " (one) is not
    first = cleaner.clean("â€™Read more  Âï¿½Read more".encode("utf-8"), doc_id="f.txt").text
    assert cleaner.clean(first.encode("utf-8"), doc_id="g.txt").text == first
