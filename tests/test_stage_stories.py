"""The stories stage: golden separator shapes split at the right line, must-not-split shapes stay
whole, the three modes, idempotence and determinism. Inputs are in tests/stories/ (cases.toml)."""
from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

import cleaner
from cleaner.config import Config, ConfigError, from_mapping
from cleaner.document import Document, Edit
from cleaner.rules import lint, load_rules, parse_rules
from cleaner.stages.stories import Options, Stage, align_hints, removed_by_gap
from cleaner.textutil import join_lines

HERE = Path(__file__).parent / "stories"
FIXTURE_RULES = parse_rules((HERE / "rules.toml").read_text(encoding="utf-8"), "tests/stories/rules.toml")
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
SPLIT_CASES = [c for c in CASES if c["starts"]]


def case_id(c: dict) -> str:
    return c["file"] + ("+removed" if c.get("removed") else "")


def stage_input(case: dict) -> Document:
    """The document as the stories stage receives it. For `removed` lines, do what the boilerplate
    stage does: drop them and record each as an Edit with its line number in its input."""
    text = (HERE / case["file"]).read_text(encoding="utf-8")
    gone = set(case.get("removed", []))
    if not gone:
        return Document(id=case["file"], text=text)
    lines = text.split("\n")
    edits = [Edit("boilerplate", "test.related.most_read", "remove", before=s, line=i + 1)
             for i, s in enumerate(lines) if s in gone]
    assert len(edits) == len(gone), "every removed line must be in the file"
    return Document(id=case["file"], text=join_lines(s for s in lines if s not in gone), edits=edits)


def first_line(text: str) -> str:
    return next(s for s in text.split("\n") if s.strip())


def run(case: dict, ruleset, **opts) -> Document:
    return Stage(Options(**opts), ruleset)(stage_input(case))


def test_fixture_rules_lint_clean():
    assert lint(FIXTURE_RULES) == []


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("rules", ["fixture", "shipped"])
def test_golden_case(case, rules):
    if rules == "shipped" and not case.get("shipped", True):
        pytest.skip("needs the fixture's rule categories")
    ruleset = FIXTURE_RULES if rules == "fixture" else load_rules()
    before = stage_input(case)
    doc = run(case, ruleset)
    assert [first_line(s.text) for s in doc.stories] == case["starts"]
    assert [b["rule"] for b in doc.metadata["story_boundaries"]] == case.get("rules", [])
    assert doc.metadata["stories"] == 1 + len(case["starts"])
    if not case["starts"]:
        assert doc.text == before.text
        assert not [e for e in doc.edits if e.stage == "stories"]
        return
    # The pieces are exactly the input, cut at the boundary lines.
    lines = before.text.split("\n")[:-1]
    cuts = [b["line"] for b in doc.metadata["story_boundaries"]]
    assert [lines[n - 1] for n in cuts] == case["starts"]
    assert doc.text == join_lines(lines[: cuts[0] - 1])
    ends = cuts[1:] + [len(lines) + 1]
    for k, (story, a, z) in enumerate(zip(doc.stories, cuts, ends), start=2):
        assert story.text == join_lines(lines[a - 1: z - 1])
        assert story.id == f"{case['file']}#story{k}"
        assert story.metadata["story_index"] == k
    splits = [e for e in doc.edits if e.stage == "stories"]
    assert [(e.action, e.rule, e.before, e.line) for e in splits] == [
        ("split", r, s, n) for r, s, n in zip(case["rules"], case["starts"], cuts)]


@pytest.mark.parametrize("case", SPLIT_CASES, ids=case_id)
def test_idempotent_on_its_own_output(case):
    doc = run(case, FIXTURE_RULES)
    for part in (doc.text, *(s.text for s in doc.stories)):
        again = Stage(Options(), FIXTURE_RULES)(Document(id="again", text=part))
        assert again.metadata["story_boundaries"] == []
        assert again.text == part


@pytest.mark.parametrize("case", SPLIT_CASES, ids=case_id)
def test_deterministic(case):
    a, b = run(case, FIXTURE_RULES), run(case, FIXTURE_RULES)
    assert (a.text, a.metadata, a.edits) == (b.text, b.metadata, b.edits)
    assert [(s.id, s.text, s.metadata) for s in a.stories] == [(s.id, s.text, s.metadata) for s in b.stories]


def test_keep_mode_annotates_and_leaves_text_whole():
    case = next(c for c in CASES if c["file"] == "three_stories.txt")
    before = stage_input(case)
    doc = run(case, FIXTURE_RULES, mode="keep")
    assert doc.text == before.text and doc.stories == []
    notes = [e for e in doc.edits if e.stage == "stories"]
    assert [(e.action, e.before) for e in notes] == [("annotate", s) for s in case["starts"]]
    assert [e.line for e in notes] == [b["line"] for b in doc.metadata["story_boundaries"]]
    assert doc.metadata["stories"] == 3


def test_drop_mode_removes_secondary_stories():
    case = next(c for c in CASES if c["file"] == "three_stories.txt")
    split = run(case, FIXTURE_RULES)
    doc = run(case, FIXTURE_RULES, mode="drop")
    assert doc.text == split.text and doc.stories == []
    removed = [e for e in doc.edits if e.stage == "stories"]
    assert [e.action for e in removed] == ["remove", "remove"]
    assert [e.before for e in removed] == [s.text for s in split.stories]
    assert doc.metadata["stories"] == 1 and len(doc.metadata["story_boundaries"]) == 2


def test_evidence_from_removed_lines_needs_their_line_numbers():
    """The separator case splits only because the edits say where the list was: the same edits
    placed elsewhere (at the top of the page) give no evidence at this boundary."""
    case = next(c for c in CASES if c.get("removed"))
    doc = stage_input(case)
    moved = [dataclasses.replace(e, line=1) for e in doc.edits]
    out = Stage(Options(), FIXTURE_RULES)(dataclasses.replace(doc, edits=moved))
    assert out.stories == []


def test_html_two_articles_split_through_the_pipeline():
    doc = cleaner.clean((HERE / "two_articles.html").read_bytes(), doc_id="two_articles.html")
    assert [first_line(s.text) for s in doc.stories] == ["Restored Telescope Returns to Kestrel Hill"]
    assert doc.metadata["story_boundaries"][0]["rule"] == "stories.html_article"
    assert "River Alder" in doc.text and "telescope" not in doc.text
    assert doc.stories[0].id == "two_articles.html#story2"


def test_html_single_article_with_subheadings_stays_whole():
    doc = cleaner.clean((HERE / "one_article.html").read_bytes(), doc_id="one_article.html")
    assert doc.stories == [] and "What residents say" in doc.text


def test_pipeline_splits_plain_text_and_is_idempotent():
    text = (HERE / "headline_dateline.txt").read_text(encoding="utf-8")
    doc = cleaner.clean(text, doc_id="bundle.txt")
    assert [first_line(s.text) for s in doc.stories] == ["Twelve-Year-Old Takes Regional Junior Chess Title"]
    assert "Millbrook" in doc.text and "chess" not in doc.text
    assert "chess" in doc.stories[0].text and "Millbrook" not in doc.stories[0].text
    again = cleaner.clean(doc.text, doc_id="bundle.txt")
    assert again.stories == [] and again.text == doc.text
    story_again = cleaner.clean(doc.stories[0].text, doc_id="bundle.story2.txt")
    assert story_again.stories == [] and story_again.text == doc.stories[0].text


def test_config_sets_mode_and_rejects_unknown_modes():
    config = Config().replace_options("stories", mode="keep")
    text = (HERE / "headline_dateline.txt").read_text(encoding="utf-8")
    assert cleaner.clean(text, config).stories == []
    assert from_mapping({"stories": {"mode": "drop", "threshold": 4.0}}).options["stories"].mode == "drop"
    with pytest.raises(ConfigError, match="mode"):
        from_mapping({"stories": {"mode": "separate"}})


def test_passes_through_empty_skipped_and_split_off_documents():
    stage = Stage(Options(), FIXTURE_RULES)
    text = (HERE / "headline_dateline.txt").read_text(encoding="utf-8")
    for doc in (Document(id="e", text=""), Document(id="s", text=text, metadata={"skip_reason": "binary"}),
                Document(id="x#story2", text=text, metadata={"story_index": 2})):
        assert stage(doc) is doc


# --- placing the boilerplate stage's removals between the current lines -----------------------

def _removal(text_lines: list[str], drop: set[int]) -> tuple[list[str], list[Edit]]:
    edits = [Edit("boilerplate", "x.y.z", "remove", before=text_lines[i], line=i + 1) for i in sorted(drop)]
    kept = join_lines(s for i, s in enumerate(text_lines) if i not in drop).split("\n")[:-1]
    return kept, edits


def test_removed_by_gap_one_line_per_block():
    src = ["A", "", "R1", "", "R2", "", "B", "", "C", "", "R3"]
    kept, edits = _removal(src, {2, 4, 10})
    assert kept == ["A", "", "B", "", "C"]
    assert removed_by_gap(kept, edits) == [[], ["x", "x"], [], ["x"]]


def test_removed_by_gap_paragraph_blocks():
    src = ["A1", "A2", "", "R1", "R2", "", "B1", "R3", "", "C1"]
    kept, edits = _removal(src, {3, 4, 7})
    assert kept == ["A1", "A2", "", "B1", "", "C1"]
    assert removed_by_gap(kept, edits) == [[], [], ["x", "x"], ["x"], []]


def test_removed_by_gap_uses_an_exact_line_map_when_given():
    src = ["A", "", "R1", "R2", "B"]
    kept, edits = _removal(src, {2, 3})
    assert removed_by_gap(kept, edits, line_map=[1, None, 5]) == [[], ["x", "x"], []]


def test_removed_by_gap_ignores_fragment_edits_and_other_stages():
    lines = ["A", "", "B"]
    edits = [Edit("boilerplate", "x.y.z", "replace", before="By X A", after="A", line=1),
             Edit("encoding", "ftfy", "remove", before="junk", line=2)]
    assert removed_by_gap(lines, edits) == [[], [], []]


def test_align_hints_skips_removed_lines_and_checks_lengths():
    texts = ["Headline here", "A paragraph of text."]
    hints = [{"chars": 13}, {"chars": 10}, {"chars": 20}]
    assert align_hints(texts, hints, [[], ["nav"], []]) == [0, 2]
    assert align_hints(texts, hints, [[], [], []]) == [None, None]  # counts disagree: no hints
    assert align_hints(texts, [{"chars": 99}, {"chars": 1}], [[], [], []]) == [None, None]
    assert align_hints(texts, [{"text": "x"}, {"text": "A paragraph of text."}]) == [None, 1]


# --- a second page the boilerplate stage removed whole (naive text of two pages glued) ---------

A_PROSE = ["The town council met on Tuesday evening to agree the budget for the coming year, after a long "
           "debate about library opening hours and the cost of repairing the old market hall roof.",
           "Councillors voted by nine to four to keep every branch library open on Saturdays, paid for by a "
           "small rise in parking charges at the two largest car parks in the town centre."]
B_PROSE = ["Anglers returned to Kestrel Bay pier for the first time since January, when winter storms tore "
           "away part of its wooden railings and closed the walkway for almost three months.",
           "The harbour board said repairs cost sixty thousand pounds. The far end of the pier will stay "
           "closed until new lights are fitted, and fishing from the pier remains free for everybody.",
           "Volunteers from the sailing club helped carpenters replace the planks, and the board asked "
           "visitors to take their hooks and line home after gulls were found tangled on the beach.",
           "Local tackle shops expect a busy summer. One owner said weekend sales of bait had doubled "
           "since the reopening was announced, and that families were asking about lessons for children."]


def _glued_pages(second: list[str] | None = None, rules: dict[str, str] | None = None) -> tuple[Document, list[str]]:
    """What the boilerplate stage leaves of two glued pages when its line model removed the whole
    second page: the removals are edits, the kept lines' input numbers are the line map."""
    if second is None:
        second = ["Home", "News", "Pier reopens to anglers", "Updated 3 hours ago", *B_PROSE]
    src = ["Council agrees budget", "", *sum(([p, ""] for p in A_PROSE), []), "© 2024 Wrenford Gazette", "",
           *sum(([p, ""] for p in second), [])][:-1]
    rules = rules or {"© 2024 Wrenford Gazette": "footer.copyright", "Home": "navigation.menu",
                      "News": "navigation.menu", "Updated 3 hours ago": "test.dateline.updated"}
    edits, kept, line_map = [], [], []
    footer = src.index("© 2024 Wrenford Gazette") + 1
    for n, s in enumerate(src, 1):
        if s in rules:
            edits.append(Edit("boilerplate", rules[s], "remove", before=s, line=n))
        elif n > footer and s.strip():
            edits.append(Edit("boilerplate", "model.line", "remove", before=s, line=n))
        else:
            kept.append(s)
            line_map.append(n)
    while kept and not kept[-1].strip():
        kept.pop()
        line_map.pop()
    doc = Document(id="glued.txt", text="\n".join(kept) + "\n", edits=edits,
                   metadata={"boilerplate_line_map": line_map})
    return doc, src


def test_restored_view_rebuilds_the_input_and_puts_back_removed_prose():
    from cleaner.stages.stories import Classifier, _restored_view

    doc, src = _glued_pages()
    lines = doc.text.split("\n")[:-1]
    view, still, vmap, original = _restored_view(lines, doc.edits, doc.metadata["boilerplate_line_map"],
                                                 Classifier(Options(), FIXTURE_RULES))
    assert original == src
    assert [s for s in view if s.strip()] == ["Council agrees budget", *A_PROSE, *B_PROSE]
    assert [original[k - 1] for k in vmap] == view
    assert [e.before for e in still if e.rule == "model.line"] == ["Pier reopens to anglers"]


def test_second_page_removed_whole_is_split_and_cleaned_on_its_own():
    doc, src = _glued_pages()
    stage = Stage(Options(), FIXTURE_RULES)
    cleaned_parts = []

    class Reclean:  # stands in for the boilerplate stage run on each part alone
        def __call__(self, d):
            cleaned_parts.append(d.text)
            junk = ("© 2024 Wrenford Gazette", "Home", "News", "Updated 3 hours ago")
            return dataclasses.replace(d, text=join_lines(s for s in d.text.split("\n") if s not in junk))
    stage._recleaner = Reclean()
    out = stage(doc)
    assert out.text == join_lines(sum((["", s] for s in ["Council agrees budget", *A_PROSE]), []))
    assert len(out.stories) == 1
    assert [s for s in out.stories[0].text.split("\n") if s] == ["Pier reopens to anglers", *B_PROSE]
    # the second page, then the main story, each on its own; then each output cleaned again, as a
    # re-clean would (clean(clean(x)) == clean(x)): neither splits
    assert len(cleaned_parts) == 4
    assert cleaned_parts[2:] == [out.stories[0].text, out.text]
    assert cleaned_parts[0].startswith("Pier reopens to anglers")  # not the first page's footer, nor the menus
    assert cleaned_parts[1].startswith("Council agrees budget") and "Pier" not in cleaned_parts[1]
    received = doc.text.split("\n")[:-1]
    assert out.metadata["story_boundaries"][0]["line"] == len(received) + 1  # after all the kept text
    keep = Stage(Options(mode="keep"), FIXTURE_RULES)(_glued_pages()[0])
    assert keep.stories == []


def test_removed_comment_thread_after_the_article_is_no_story():
    """The same shape, but what the line model removed after the footer is a comment thread: each
    comment's header removed by a comments rule, the comments themselves prose."""
    comments = []
    for k, text in enumerate(B_PROSE + A_PROSE):
        comments += [f"Reader{k} on March {k + 1}, 2024 at 9:1{k} pm", text]
    rules = {"© 2024 Wrenford Gazette": "footer.copyright",
             **{c: "test.comments.meta" for c in comments if c.startswith("Reader")}}
    doc, _ = _glued_pages(["Comments", *comments], rules)
    out = Stage(Options(), FIXTURE_RULES)(doc)
    assert out.stories == [] and out.text == doc.text


def test_pipeline_binds_its_own_boilerplate_stage_for_recleaning_parts() -> None:
    from cleaner.config import load_config
    from cleaner.pipeline import Pipeline

    config = load_config().replace_options("boilerplate", model=False)
    pipeline = Pipeline.from_config(config)
    by_name = {st.name: st for st in pipeline.stages}
    assert by_name["stories"]._recleaner is by_name["boilerplate"]
    assert by_name["stories"]._recleaner.options.model is False


# --- each output is what cleaning it again gives (clean(clean(x)) == clean(x)) ----------------

class _MarkerDetector:
    """Finds one boundary: the first (or last) line starting with '##' after the first line. A
    part judged in the whole text and the same part cleaned alone then differ, as real evidence
    (topic windows, the parts that follow) can."""

    def __init__(self, last: bool):
        self.last = last

    def find(self, lines, *args, **kwargs):
        from cleaner.stages.stories import Boundary
        marks = [i for i, s in enumerate(lines) if s.startswith("##") and i > 0]
        if not marks:
            return []
        i = marks[-1] if self.last else marks[0]
        return [Boundary(i, i + 1, 5.0, "stories.test_marker", {"test": 5.0})]


def _marked(*sizes: int) -> str:
    paras = [f"## Part {k}\n\n" + " ".join(f"word{k}x{j}" for j in range(n)) + "." for k, n in enumerate(sizes)]
    return "\n\n".join(paras) + "\n"


def test_a_story_that_would_split_again_is_split_now():
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _MarkerDetector(last=False)
    doc = stage(Document(id="m.txt", text=_marked(100, 100, 100)))
    assert [first_line(s.text) for s in doc.stories] == ["## Part 1", "## Part 2"]
    assert len(doc.metadata["story_boundaries"]) == 2 == doc.metadata["stories"] - 1
    for part in (doc.text, *(s.text for s in doc.stories)):
        again = stage(Document(id="again", text=part))
        assert again.stories == [] and again.text == part


def test_a_main_story_that_would_split_again_loses_a_short_piece_before_a_longer_story():
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _MarkerDetector(last=True)
    doc = stage(Document(id="m.txt", text=_marked(100, 60, 300)))
    assert first_line(doc.text) == "## Part 0" and "Part 1" not in doc.text
    assert [first_line(s.text) for s in doc.stories] == ["## Part 2"]
    assert [e.before.split("\n")[0] for e in doc.edits if e.action == "remove"] == ["## Part 1"]
    doc = stage(Document(id="m.txt", text=_marked(100, 250, 300)))  # long enough: a story
    assert [first_line(s.text) for s in doc.stories] == ["## Part 1", "## Part 2"]
    for part in (doc.text, *(s.text for s in doc.stories)):
        assert stage(Document(id="again", text=part)).stories == []



class _AloneDetector(_MarkerDetector):
    """Finds its boundary only where nothing was removed around the text (no edits): the page's
    view (removed prose put back, which weakens a boundary next to it) sees none, the output
    cleaned again, alone, sees one."""

    def find(self, lines, edits=None, *args, **kwargs):
        return [] if edits else super().find(lines)


def test_an_unsplit_output_that_a_re_clean_would_split_is_split_now():
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _AloneDetector(last=False)
    removed = Edit("boilerplate", "model.line", "remove", before="Menu", line=1)
    doc = stage(Document(id="m.txt", text=_marked(100, 100), edits=[removed]))
    assert [first_line(s.text) for s in doc.stories] == ["## Part 1"]
    assert doc.metadata["stories"] == 2 and [e.rule for e in doc.edits if e.action == "split"] == ["stories.test_marker"]
    assert doc.edits[0] is removed  # the edits before this stage's stay first
    again = stage(Document(id="again", text=doc.text))
    assert again.stories == [] and again.text == doc.text
    kept = Stage(Options(mode="keep"), FIXTURE_RULES)  # keep mode changes no text: nothing to settle
    kept.detector = _AloneDetector(last=False)
    assert kept(Document(id="m.txt", text=_marked(100, 100), edits=[removed])).edits == [removed]


# --- evidence that misfired on single pages --------------------------------------------------

def test_prices_are_no_time_stamps_and_numbered_items_no_headlines():
    from cleaner.stages.stories import Classifier
    classify = Classifier(Options(), FIXTURE_RULES)
    assert classify("USD 79.97").date == 0 and classify("$22.50").date == 0
    assert classify("10:45").date == 1 and classify("14:05 GMT").date == 1
    assert classify("5. Group 3 Clematis: Hard Pruning for Late Summer").headline == 0.0
    assert classify("12) Why The Bill Won't Let Courts Decide").headline == 0.0
    assert classify("Group 3 Clematis: Hard Pruning for Late Summer").headline > 0
    assert classify("Juki TL2010Q").date == 0 and classify("Spring 2010").date == 2  # a model number
    assert classify("Read More Stories ➔").headline == 0.0 and classify("Read More Stories").headline > 0  # a link label
    assert classify("She writes about work and careers... → Learn More").headline == 0.0
    assert classify("Boston → New York: The Night Train Returns").headline > 0
    assert classify("One comment so far |").headline == 0.0  # a counter's piece of a menu row
    # a telephone number's last group is no year ("832-982-2079" over an address is no date line)
    assert classify("832-982-2079").date == 0 and classify("(713) 555-2010").date == 0
    assert classify("1998-2002").date == 2 and classify("Call us: 555 1999").date == 0


def test_a_date_wrapped_into_a_sentence_is_no_date_line():
    """'A 2010' / 'paper with ...': a hard-wrapped sentence, not a headline's date line."""
    from cleaner.stages.stories import Detector
    prose = " ".join(f"Alpha{j} beta{j} gamma{j}." for j in range(30))
    other = " ".join(f"Delta{j} epsilon{j} zeta{j}." for j in range(30))
    wrapped = f"{prose}\n\nTry Out Our New Simple Fold Font\nA 2010\npaper with five authors looks at folds.\n\n{other}\n"
    detector = Detector(Options(), FIXTURE_RULES)
    assert detector.find(wrapped.split("\n")) == []
    dated = wrapped.replace("\nA 2010\npaper", "\n\n4 March 2010\n\nPaper")
    assert [b.rule for b in detector.find(dated.split("\n"))] == ["stories.headline_dateline"]


def test_a_wrapped_sentence_is_no_headline():
    """'Guidelines: Fan feedback should be within the' / 'guidelines for ...': a sentence cut at
    the line's end, not a headline, however much the subject changes after it."""
    first = " ".join(f"Alpha{j} beta{j} gamma{j}." for j in range(30))
    wrapped = ("Guidelines: Fan feedback should be within the\n"
               + "guidelines for the community. " * 4 + "\n\n"
               + " ".join(f"Delta{j} epsilon{j} zeta{j}." for j in range(30)))
    text = f"{first}\n\n— Staff\n\n{wrapped}\n"
    doc = Stage(Options(), FIXTURE_RULES)(Document(id="w.txt", text=text))
    assert doc.stories == []
    # the same line with its own block after it is a headline: the text splits there
    unwrapped = text.replace("within the\nguidelines", "within the\n\nGuidelines")
    doc = Stage(Options(), FIXTURE_RULES)(Document(id="w.txt", text=unwrapped))
    assert [first_line(s.text) for s in doc.stories] == ["Guidelines: Fan feedback should be within the"]


def test_a_numbered_section_under_a_header_continues_the_list():
    """A promo's headline and date inside a listicle, then its section '5. ...': the list goes on,
    no new story starts (section 1 would be a start)."""
    first = " ".join(f"Alpha{j} beta{j} gamma{j}." for j in range(40))
    rest = " ".join(f"Delta{j} epsilon{j} zeta{j}." for j in range(40))
    text = (f"{first}\n\nRoyal Visitors Arrive for the Summer Garden Show\n\n12 March 2024\n\n"
            f"5. Group Three Clematis: Hard Pruning\n\n{rest}\n")
    stage = Stage(Options(), FIXTURE_RULES)
    assert stage(Document(id="n.txt", text=text)).stories == []
    started = stage(Document(id="n.txt", text=text.replace("5. Group", "1. Group")))
    assert [first_line(s.text) for s in started.stories] == ["Royal Visitors Arrive for the Summer Garden Show"]


# --- a short preamble before the article, then a second story ---------------------------------

class _TwoMarkDetector:
    """Two boundaries: the first '##' line after the top with no header (a removed block), the
    next with `second` as its evidence."""

    def __init__(self, second: dict[str, float]):
        from cleaner.stages.stories import Classifier
        self.second = second
        self.classify = Classifier(Options(), FIXTURE_RULES)

    def find(self, lines, *args, **kwargs):
        from cleaner.stages.stories import Boundary
        marks = [i for i, s in enumerate(lines) if s.startswith("##") and i > 0]
        if len(marks) < 2:
            return []
        evidence = [{"separator": 1.0, "page_end": 1.5, "topic": 1.0}, self.second]
        return [Boundary(i, i + 1, sum(e.values()), "stories.test_marker", dict(e)) for i, e in zip(marks, evidence)]


def _mapped(text: str) -> Document:
    """`text` as the boilerplate stage would hand it over having removed nothing."""
    n = len(text.split("\n")) - 1
    return Document(id="p.txt", text=text, metadata={"boilerplate_line_map": list(range(1, n + 1))})


@pytest.mark.parametrize("header, stories", [
    ({"headline": 1.0, "meta_date": 2.0, "topic": 1.0}, ["## Part 2"]),  # a headed story after the article
    ({"separator": 1.0, "topic": 2.0}, []),  # no header of its own: the article's own sections
])
def test_a_preamble_joins_the_article_and_only_a_headed_story_after_it_splits(header, stories):
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _TwoMarkDetector(header)
    stage._recleaner = lambda d: d
    doc = stage(_mapped(_marked(30, 300, 300)))
    assert [first_line(s.text) for s in doc.stories] == stories
    assert first_line(doc.text) == "## Part 0" and "## Part 1" in doc.text
    assert ("## Part 2" in doc.text) == (not stories)



@pytest.mark.parametrize("intro, splits", [
    ("", False),  # cards under a headline: a listing of other stories, dropped
    ("The guide below compares every ferry operator on the coast, from the old island boats to the new fast and noisy "
     "catamarans, with their prices, their timetables in winter and in summer, their cafes, and what the regular "
     "passengers we asked think of them.", True),  # an intro longer than a card: a listicle, a story
])
def test_a_part_split_off_that_is_cards_is_a_listing_not_a_story(intro, splits):
    head = "More from the harbour desk"
    cards = [x for k in range(5) for x in (f"Will the pier reopen in week {k}?", "",
             f"The harbour board explains in a short note why the works on pier {k} took longer than planned.", "")]
    text = join_lines(["Welcome to the gazette. " + " ".join(A_PROSE) * 2, "", head, "", *([intro, ""] if intro else []),
                       *cards])
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _LineDetector(head)
    doc = stage(Document(id="t.txt", text=text, metadata={}))
    assert [first_line(s.text) for s in doc.stories] == ([head] if splits else [])
    assert ("pier 3" in doc.text) is False
    dropped = [e for e in doc.edits if e.rule == "stories.teasers"]
    assert bool(dropped) != splits and (not dropped or "pier 3" in dropped[0].before)


@pytest.mark.parametrize("end, splits", [
    (" The...", False),  # one teaser, its excerpt cut off: no story, dropped
    (" The crossing is free for children under twelve.", True),  # a short story that ends: a story
])
def test_a_part_split_off_that_stops_mid_sentence_is_a_teaser(end, splits):
    head = "Harbour board reopens the pier after the storm"
    para = ("The harbour board reopened the north pier on Monday, three weeks after the storm tore away its "
            "railings and part of the deck, and the first ferry of the morning tied up there at seven, with "
            "the board's chairman and a small crowd of fishermen watching from the quay in the rain.")
    text = join_lines(["Welcome to the gazette. " + " ".join(A_PROSE) * 2, "", head, "", para + end])
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _LineDetector(head)
    doc = stage(Document(id="t.txt", text=text, metadata={}))
    assert [first_line(s.text) for s in doc.stories] == ([head] if splits else [])
    assert "north pier" not in doc.text
    assert any(e.rule == "stories.teasers" for e in doc.edits) != splits


def test_a_headline_keeps_its_date_line_and_kicker():
    from cleaner.stages.stories import Boundary, LineInfo, _header_starts

    def info(text, prose=False):
        return LineInfo(text, len(text.split()), prose, 0.0, 0, False, False, False, False, [])
    lines = [info("The last paragraph of the story before ends here.", True), info("Battalion moves north"),
             info("Monday / 9:04 PM / News"), info("The first paragraph of the new story.", True)]
    head = Boundary(1, 3, 4.9, "", {"headline": 1.0, "meta_date": 2.0, "topic": 1.9})
    kicker = Boundary(2, 5, 5.2, "", {"headline": 1.3, "meta_date": 2.0, "topic": 1.9})
    assert _header_starts([head, kicker], lines, 3.0) == [head]
    weak = Boundary(1, 3, 2.0, "", {"headline": 1.0, "topic": 1.0})  # below the threshold: no header
    assert _header_starts([weak, kicker], lines, 3.0) == [weak, kicker]
    after_prose = Boundary(3, 7, 4.0, "", {"separator": 1.0, "meta_date": 2.0, "topic": 1.0})
    lines[2] = info("Monday / 9:04 PM / News, a line long enough to read as prose.", True)
    assert _header_starts([head, after_prose], lines, 3.0) == [head, after_prose]


class _LineDetector:
    """One boundary, at the line equal to `at`, with a headline and date line's evidence."""

    def __init__(self, at: str):
        from cleaner.stages.stories import Classifier
        self.at = at
        self.classify = Classifier(Options(), FIXTURE_RULES)

    def find(self, lines, *args, **kwargs):
        from cleaner.stages.stories import Boundary
        hits = [i for i, s in enumerate(lines) if s == self.at and i > 0]
        return [Boundary(i, i + 1, 3.5, "stories.test_marker", {"headline": 1.0, "meta_date": 2.0, "topic": 0.5})
                for i in hits[:1]]


@pytest.mark.parametrize("title, splits", [
    ("Harbour board reopens the pier | Example Gazette", False),  # the page is the story after the cut
    ("Council agrees budget | Example Gazette", True),  # the page is the text before it
    ("", True),
])
def test_the_page_title_names_the_article_and_what_comes_before_it_is_a_preamble(title, splits):
    head = "Harbour board reopens the pier"
    text = join_lines(["Welcome to the gazette. " + " ".join(A_PROSE) * 2, "", head, "", *B_PROSE, "", *B_PROSE])
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _LineDetector(head)
    doc = stage(Document(id="t.html", text=text, metadata={"title": title}))
    assert bool(doc.stories) == splits
    assert (first_line(doc.stories[0].text) == head) if splits else doc.text == text


def test_html_listing_cards_are_no_stories():
    """Four <article> cards, each a heading and two paragraphs, no date line or byline: a listing's
    items (courses, products), not bundled stories. Two <article> stories still split (above)."""
    topics = [("Evening Pottery for Beginners", "clay", "kiln"), ("Boat Maintenance Weekend", "hull", "engine"),
              ("Urban Beekeeping Course", "hive", "honey"), ("Introduction to Bookbinding", "paper", "thread")]
    cards = []
    for title, a, b in topics:
        para = (f"This course covers the basics of {a} and {b} over six weeks, with small groups, patient "
                f"teachers and plenty of time to practise between the sessions. You will need no experience "
                f"at all, only curiosity and old clothes, and every tool is provided by the centre.")
        more = (f"By the last week most students have finished a project of their own with {a} and {b}, "
                f"and many come back for the advanced course in the spring, which meets on Saturday mornings "
                f"and ends with a small exhibition in the library hall for families and friends.")
        cards.append(f"<article><h2>{title}</h2><p>{para}</p><p>{more}</p></article>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Courses this term</title></head><body>"
            "<h1>Courses this term</h1>" + "<div>Places are limited, so book early.</div>".join(cards)
            + "</body></html>")
    doc = cleaner.clean(page.encode("utf-8"), doc_id="courses.html")
    assert doc.stories == [] and all(t in doc.text for t, _, _ in topics)


def test_cards_are_titles_over_one_short_paragraph_each_not_an_article_with_sections():
    from cleaner.stages.stories import _cards
    menu = (HERE / "cards_menu.txt").read_text(encoding="utf-8").split("Why Autumn Is")[0]
    assert _cards(menu)
    teasers = join_lines([x for k in range(4) for x in (f"Story number {k} of the week", "",
                          "A long opening paragraph of a teaser that goes on for a while and is then cut "
                          "off by the listing in the middle of its second sentence, before the reader [...]", "")])
    assert _cards(teasers)
    assert _cards(teasers.replace("Story number", "We tried it. It worked, story"))  # sentence titles
    checklist = join_lines(["Set a Budget", "", "Break the total into clear categories before you book anything.", "",
                            "- Venue", "- Catering", "- Music", "", "Draft the Guest List", "",
                            "Even a rough headcount helps to decide the size of the hall you need.", "",
                            "Choose:", "- Colours", "- Flowers", "- Mood", "",
                            "Book the Photographer", "", "The best photographers are booked a year or more ahead."])
    assert not _cards(checklist)  # an article's sections come with lists and labels between them
    article = (HERE / "cards_menu.txt").read_text(encoding="utf-8").split("12 October 2024")[1]
    assert not _cards(article)


@pytest.mark.parametrize("line, headline", [
    ("서울시 새 자전거 도로 개통", True),  # Hangul has no case: a headline may start with any letter
    ("Новый мост открыт для движения", True),
    ("a line that starts in lower case", False),
    ("новый мост открыт для движения", False),
])
def test_headlines_of_caseless_scripts(line, headline):
    from cleaner.stages.stories import Classifier
    assert (Classifier(Options(), FIXTURE_RULES)(line).headline > 0) == headline


@pytest.mark.parametrize("after, splits", [(1000, True), (3000, False)])
def test_a_headed_story_twenty_times_as_long_makes_a_short_main_part_its_intro(after, splits):
    # 120 words, then a story under its own header: a story of its own before 1,000 words (a header
    # makes a short story one), an intro before 3,000 (a long guide's first section)
    head = "Harbour board reopens the pier"
    body = [" ".join(f"pier{k}x{j}" for j in range(100)) + "." for k in range(after // 100)]
    text = join_lines([" ".join(f"intro{j}" for j in range(120)) + ".", "", head, "", *body])
    stage = Stage(Options(), FIXTURE_RULES)
    stage.detector = _LineDetector(head)
    doc = stage(Document(id="t.txt", text=text))
    assert [first_line(s.text) for s in doc.stories] == ([head] if splits else [])


def test_teaser_listing_is_title_and_teaser_pairs_from_the_first_line():
    from cleaner.stages.stories import _teaser_listing
    pairs = [(f"Harbour town {k} opens a new ferry route", f"Residents of the {k} district waited eleven "
              "years for a crossing that now takes twenty minutes") for k in range(6)]
    listing = join_lines([x for p in pairs for x in (*p, "")])
    assert _teaser_listing(listing)
    assert _teaser_listing(join_lines([listing, "Sailing clubs", "Tide tables"]))  # a few bare titles among them
    intro = "Every ferry route the council opened this year, with the date of its first crossing, is listed below."
    assert not _teaser_listing(join_lines([intro, "", listing]))  # a listicle opens with an intro
    assert not _teaser_listing(join_lines(["Ferries of the year", "", "3 March 2024", "", listing]))  # or a header
    short = join_lines([x for k, p in enumerate(pairs) for x in (p[0], f"Route {k} opens soon", "")])
    assert not _teaser_listing(short)  # title under title: a list of links, left to the other rules
    article = join_lines([f"The ferry crossed the bay for the {k}th time today, and the crew said the new "
                          "route had changed how the islanders shop, work and visit their families." for k in range(8)])
    assert not _teaser_listing(article)


def test_comment_thread_after_an_article_is_not_split_off(monkeypatch):
    # The boilerplate stage removes each comment's "Posted by: ... at <date>" line; the comment that
    # follows one opens with a headline-like line and changes the subject. Prose interrupted by such
    # removed lines from its first lines on is a comment thread, not a second story. (By default the
    # "Posted by: ..." lines are comment headers and the boilerplate stage removes the thread's text
    # too. Without that rule they read as bylines, and with `comments = false` the text stays: this
    # check is what keeps it from being split off.)
    import cleaner.stages.stories as stories
    from cleaner.config import Config

    raw = (HERE / "comment_thread.txt").read_bytes()
    default = cleaner.clean(raw, doc_id="thread.txt")
    assert not default.stories and any(e.rule == "comments.thread" for e in default.edits)
    kept = Config(disable_rules=("en.comments.posted_by",)).replace_options("boilerplate", comments=False)
    assert not cleaner.clean(raw, kept, doc_id="thread.txt").stories
    monkeypatch.setattr(stories, "COMMENT_META_LINES", 0)  # without the check: split off as a story
    assert cleaner.clean(raw, kept, doc_id="thread.txt").stories


def test_a_removed_line_in_the_block_of_the_story_before_stays_with_it():
    """The story found at a kept headline takes the removed lines above it (its kicker, a duplicate
    headline) -- but not a removed line glued to the story before's last line (its source line)."""
    view = ["The council met on Monday about the bridge and voted for repairs.", "Harbour Library Opens",
            "The library opened on Sunday."]
    glued = [view[0], "Source: Example News, 9 November 2012", "", view[1], "", view[2]]
    assert Stage._input_cut(view, [1, 4, 6], {2: "model"}, 1, glued) == 3
    apart = [view[0], "", "Local news", "", view[1], "", view[2]]
    assert Stage._input_cut(view, [1, 5, 7], {3: "model"}, 1, apart) == 2


# --- whose header is it: the lines around a candidate's headline -----------------------------

def _topical(stem: str, n: int = 40) -> str:
    """A paragraph whose long words all share `stem`: two stems make two unrelated stories."""
    return " ".join(f"{stem.title()}a{j} {stem}b{j} {stem}c{j}." for j in range(n))


SHORT_WORDS = " ".join("Tom and Ann sat by the old oak and ate a pie." for _ in range(6))  # no topic words


def _find(text: str, slots: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """(first line, rule) of each boundary the detector finds; `slots`: lines of `text` (1-based)
    the boilerplate stage removed, by rule category."""
    from cleaner.stages.stories import Detector
    lines = text.split("\n")
    if slots:
        line_map = [k for k in range(1, len(lines) + 1) if k not in slots]
        lines = [s for k, s in enumerate(lines, 1) if k not in slots]
        found = Detector(Options(), FIXTURE_RULES).find(lines, line_map=line_map, slots=slots)
    else:
        found = Detector(Options(), FIXTURE_RULES).find(lines)
    return [(lines[b.line - 1], b.rule) for b in found]


@pytest.mark.parametrize("title, splits", [
    ("The Week: March 4, 2011", True),  # a title that names a date, over the story's date line
    ("Quickies 10.29 From the Lab", True),  # an issue number read as a clock time
    ("Kat Huff June 12, 2012 at 12:43 pm", False),  # a comment's stamp: a date and a clock time
])
def test_a_title_that_reads_as_a_date_heads_a_story_over_its_own_date_line(title, splits):
    text = f"{_topical('alpha')}\n\n{title}\n\n7 March 2011\n\n{_topical('delta')}\n"
    assert [line for line, _ in _find(text)] == ([title] if splits else [])
    # one date line alone is the date line of whatever comes next, not a title
    assert _find(text.replace("\n\n7 March 2011", "")) == []


def test_a_short_title_may_trail_off_an_excerpt_may_not():
    from cleaner.stages.stories import Classifier
    classify = Classifier(Options(), FIXTURE_RULES)
    assert classify("When the Problem Is You…").headline > 0
    assert classify("The Council Said That the New Budget Would Cover Repairs to the...").headline == 0.0
    text = f"{_topical('alpha')}\n\nWhen the Problem Is You…\n\n7 March 2011\n\n{_topical('delta')}\n"
    assert [line for line, _ in _find(text)] == ["When the Problem Is You…"]


def test_a_date_line_belongs_to_the_headline_right_above_it():
    """A subheading over a bullet list near the end of a story, then the next story's headline and
    date line: the date is the second headline's, the story starts there."""
    text = (f"{_topical('alpha')}\n\nTypical Projects Requiring Inspections\n\n- Building\n- Electrical\n- Plumbing\n\n"
            f"Harbour Library Opens Its Doors\n\n7 March 2011\n\n{_topical('delta')}\n")
    assert [line for line, _ in _find(text)] == ["Harbour Library Opens Its Doors"]


def test_a_removed_date_line_belongs_to_the_headline_it_was_under():
    """Headline, its date line (removed), the headline again, a few short lines, a title-like
    line: the story starts at the first headline, not at the later line the removed date was far
    above."""
    head = "Harbour library opens after repairs"
    text = (f"{_topical('alpha')}\n\n{head}\n\n7 March 2011\n\n{head}\n12 photos\nShare\n\n"
            f"Support the Work of Local Libraries\n{_topical('delta')}\n")
    lines = text.split("\n")
    assert [line for line, _ in _find(text, {lines.index("7 March 2011") + 1: "dateline"})] == [head]


def test_bullets_of_two_sentences_are_a_list_not_a_standfirst():
    """A subheading over bullets that each define a term in two sentences or more, after a removed
    block: an article's section, not a headline over its standfirst (one phrase a point)."""
    bullets = ("- Pace – Plays a game. A play ends with a shot or a turnover.\n"
               "- Rank – Where a team ranks. It is out of thirty teams.")
    text = (f"{SHORT_WORDS}\n\nNav one\n\nNav two\n\nNav three\n\nSynergy Stat Definitions\n\n{bullets}\n\n"
            f"{SHORT_WORDS}\n")
    lines = text.split("\n")
    slots = {lines.index(s) + 1: "navigation" for s in ("Nav one", "Nav two", "Nav three")}
    assert _find(text, slots) == []
    points = text.replace(bullets, "- Volunteers rebuilt the drive by hand\n- Evening viewing begins next month")
    lines = points.split("\n")
    slots = {lines.index(s) + 1: "navigation" for s in ("Nav one", "Nav two", "Nav three")}
    assert _find(points, slots) == [("Synergy Stat Definitions", "stories.headline_standfirst")]


def test_an_epigraphs_attribution_is_no_sign_off():
    """Verse, then "—Poet, Title": an epigraph at the top of a story, not the end of one. After
    a story's last paragraph, the same line is a sign-off."""
    verse = "Do not raise\nyour small voice against it.\nSay only, thank you.\n—Ross Gay, Thank You"
    text = f"{_topical('alpha')}\n\n{verse}\n\n{_topical('delta')}\n"
    assert _find(text) == []
    signed = f"{_topical('alpha')}\n—Ross Gay, Thank You\n\n{_topical('delta')}\n"
    assert [line for line, _ in _find(signed)] == [_topical("delta")]


def test_a_single_removed_footer_link_is_no_page_end():
    text = f"{SHORT_WORDS}\n\nSupport\n\nWhy I Chose This Tool\n\n{SHORT_WORDS}\n"
    lines = text.split("\n")
    assert _find(text, {lines.index("Support") + 1: "footer"}) == []
    text = text.replace("Support", "Support\n\nContact us")
    lines = text.split("\n")
    slots = {lines.index("Support") + 1: "footer", lines.index("Contact us") + 1: "footer"}
    assert _find(text, slots) == [("Why I Chose This Tool", "stories.page_end")]


def test_sections_over_bullet_lists_do_not_make_a_dated_header_one_of_a_series():
    """Three sections of the second story, each a title over a bullet list: a pattern of its own,
    not of the headline and date line that open that story."""
    section = "{}\n\n- First point to note\n- Second point to note\n\n" + SHORT_WORDS
    sections = "\n\n".join(section.format(t) for t in ("Types of Event Catering", "What a Caterer Offers",
                                                      "Examples of Catering Services"))
    text = f"{SHORT_WORDS}\n\nWhat Is Catering and Who Needs It\n\n7 March 2011\n\n{SHORT_WORDS}\n\n{sections}\n"
    assert [line for line, _ in _find(text)] == ["What Is Catering and Who Needs It"]


def test_an_article_that_opens_with_an_intro_is_no_list_of_cards():
    from cleaner.stages.stories import _cards
    sections = [x for k in range(4) for x in (f"Section Title Number {k}", "",
                "One short paragraph of the section, a few sentences that explain one point.", "")]
    assert _cards(join_lines(sections))
    intro = ("Dentistry is changing quickly, and this year is shaping up to be one of the most innovative "
             "years yet, from new tools for diagnosis to care at a distance.")
    assert not _cards(join_lines([intro, "", *sections]))
    opening = "Ten years ago nobody in town had heard of these clinics."
    assert not _cards(join_lines([opening, "", intro, "", *sections]))  # a run of paragraphs
    # a menu whose first title the line model dropped opens with a tagline, no intro
    tagline = "Plan every crossing of the season in one place."
    assert _cards(join_lines([tagline, "", *sections]))


def test_a_part_split_off_is_cards_unless_its_first_paragraph_is_longer_than_a_card():
    """Under a split-off part's headline, a card's title cannot be told from a headline: its first
    paragraph is an intro only if it is longer than a card's paragraph (CARD_WORDS)."""
    from cleaner.stages.stories import _cards, CARD_WORDS
    cards = [x for k in range(5) for x in (f"Harbour Story Number {k}", "",
             "The ferry timetable changes next week, and the council explains why in a short note.", "")]
    assert _cards(join_lines(cards), header=True)
    intro = ("The guide below compares every ferry operator on the coast, from the old island boats to the "
             "new fast catamarans, with their prices, their timetables in winter and in summer, how they treat "
             "bicycles and dogs, and what the regular passengers we asked think of them.")
    assert len(intro.split()) > CARD_WORDS
    assert not _cards(join_lines(["Ferries of the Coast Compared", "", intro, "", *cards]), header=True)
    short = "The guide below compares every ferry operator on the coast, old and new, big and small."
    assert _cards(join_lines(["Ferries of the Coast Compared", "", short, "", *cards]), header=True)


def test_a_restored_headline_starts_its_story_and_leaves_the_author_line_above_it():
    """The line model removed the story before's author line and the next story's headline; the
    view put the headline back. The author goes with the story before, a removed date line right
    above the headline with the new story."""
    view = ["The council met on Monday about the bridge and voted for repairs.", "Harbour Library Opens",
            "The library opened on Sunday."]
    original = [view[0], "", "Pamela Writer", "", view[1], "", view[2]]
    assert Stage._input_cut(view, [1, 5, 7], {3: "model", 5: "model"}, 1, original) == 5
    dated = [view[0], "", "7 March 2011", "", view[1], "", view[2]]
    assert Stage._input_cut(view, [1, 5, 7], {3: "dateline", 5: "model"}, 1, dated) == 3


def test_a_part_cleaned_again_is_worked_out_once_and_handed_out_as_a_copy():
    """Within one document the stories stage re-cleans the same part on each retry; it is cleaned
    once, and each caller gets its own copy (one caller's changes do not reach the next)."""
    from cleaner.stages.boilerplate import Options as BoilerplateOptions, Stage as Boilerplate

    calls = []

    class Counting(Boilerplate):
        def __call__(self, doc):
            calls.append(doc.text)
            return super().__call__(doc)

    stage = Stage(Options(), load_rules())
    stage._recleaner = Counting(BoilerplateOptions(model=False), load_rules())
    part = join_lines(["Skip to main content", "", "The ferry to the island runs again from Monday.", "",
                       "Share this article"])
    stage._recleaned = {}
    first = stage._reclean(Document(id="p", text=part))
    first.metadata["boilerplate_line_map"].append(99)
    first.edits.clear()
    second = stage._reclean(Document(id="p", text=part))
    assert calls == [part]
    assert second.text == "The ferry to the island runs again from Monday.\n"
    assert [e.rule for e in second.edits] and 99 not in second.metadata["boilerplate_line_map"]
    stage._recleaned = None  # outside a document's call: no memo, cleaned each time
    stage._reclean(Document(id="p", text=part))
    assert calls == [part, part]
