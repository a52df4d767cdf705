"""Properties of the whole pipeline on generated input: no crash, idempotence, removal only removes."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.config import Config
from cleaner.pipeline import Pipeline

PIPELINE = Pipeline.from_config(Config())
WORDS = ["the", "council", "river", "bridge", "voted", "on", "Tuesday", "and", "residents", "said", "new", "plan",
         "would", "cost", "million", "Der", "Stadtrat", "hat", "la", "mairie", "el", "alcalde", "Café", "naïve",
         "“quoted”", "—", "2024", "Read", "more", "Share", "Subscribe", "cookies", "Advertisement", "Photo:", "By"]
FIXED_LINES = ["We use cookies to improve your experience on our site.", "Share on Facebook", "Advertisement",
               "Read more", "Skip to main content", "Home > News > World", "© 2024 Example Media. All rights reserved.",
               "Sign up for our newsletter", "Photo: Jane Doe/Reuters", "CafÃ© owners â€œsaidâ€\x9d", "",
               "Updated 3 hours ago", "Most read", "By Jane Doe, Reuters"]

sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(lambda ws: " ".join(ws) + ".")
title = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(lambda ws: " ".join(w.capitalize() for w in ws))
line = st.one_of(sentence, title, st.sampled_from(FIXED_LINES), st.text(max_size=60))
document = st.lists(line, max_size=30).map(lambda ls: "\n\n".join(ls) + "\n")
prose_doc = st.lists(st.one_of(sentence, title, st.sampled_from(FIXED_LINES)), max_size=30).map(lambda ls: "\n\n".join(ls))

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=2000))
def test_never_crashes_on_any_bytes(data: bytes) -> None:
    doc = PIPELINE(cleaner.Document(id="fuzz.txt", raw=data))
    assert isinstance(doc.text, str)
    if not doc.skipped:
        assert doc.text == "" or doc.text.endswith("\n")
        assert "\r" not in doc.text and "\x00" not in doc.text


@SETTINGS
@given(st.binary(max_size=2000))
def test_never_crashes_as_html(data: bytes) -> None:
    PIPELINE(cleaner.Document(id="fuzz.html", raw=b"<html><body>" + data))


# Junk lines at the top that the scorer takes one per pass (each pass leaves a new first line): the
# passes go on until one changes nothing, more than the four they once stopped at
_PEELED = ("the.\n\nthe.\n\ncouncil.\n\nhE\n\nthe.\n\nthe.\n\n0:0:0\n\nthe.\n\ncouncil council council council "
           "council Subscribe.\n\nHE\n\nthe.\n\nthe.\n\nthe.\n\nriver.\n\nthe council council.\n\nthe the the "
           "council.\n\nthe the council council council.\n\nthe the council council council council.\n\nthe the "
           "council council council council council.\n\n0:0\x910\U00018cd60\n\n0:0\x910\U00018cd60\n")


# A line whose words switch alphabet ("aΒ aΒ", Latin and Greek), kept on a page whose main script was
# Latin while the byline was there; without it the page reads as Cyrillic, and a second run removed the line
_ALPHABETS = ("Городской совет утвердил бюджет нового бассейна во вторник вечером после долгих споров.\n"
              "Der Stadtrat hat am Dienstag den Haushalt für das neue Hallenbad beschlossen.\naΒ\ue800aΒ\nBy Anna Berger")


@SETTINGS
@given(document)
@example(_PEELED)
@example(_ALPHABETS)
def test_idempotent(text: str) -> None:
    once = PIPELINE(cleaner.Document(id="a.txt", text=text)).text
    twice = PIPELINE(cleaner.Document(id="a.txt", text=once)).text
    assert twice == once


@SETTINGS
@given(st.binary(max_size=1500))
@example(b"\xc4\x7f\x9c")  # "Ä\x7fœ": ftfy repairs "Äœ" only with the line end normalize adds
def test_idempotent_on_bytes(data: bytes) -> None:
    first = PIPELINE(cleaner.Document(id="b.txt", raw=data))
    if first.skipped:
        return
    again = PIPELINE(cleaner.Document(id="b.txt", raw=first.text.encode("utf-8")))
    assert again.text == first.text


@SETTINGS
@given(prose_doc)
def test_removal_only_removes(text: str) -> None:
    """On text that needs no repair, every output line is (part of) an input line, in input order."""
    text = text.replace("CafÃ© owners â€œsaidâ€\x9d", "")
    out = PIPELINE(cleaner.Document(id="c.txt", text=text)).text
    source = [ln for ln in cleaner.clean_text(text, Config().with_stage("boilerplate", False).with_stage("stories", False)).split("\n") if ln]
    i = 0
    for ln in (x for x in out.split("\n") if x):
        while i < len(source) and ln not in source[i]:
            i += 1
        assert i < len(source), f"output line not found in order among input lines: {ln!r}"
        i += 1
