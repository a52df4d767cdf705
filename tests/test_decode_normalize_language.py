"""decode, normalize and language stages."""
from __future__ import annotations

import codecs
import gzip

import pytest

import cleaner
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages import decode, language, normalize

TEXT = "Café owners in Lyon said the new rules were “fair” – mostly.\n"


def run_decode(data: bytes, doc_id: str = "x.txt", **opts) -> Document:
    return decode.Stage(decode.Options(**opts))(Document(id=doc_id, raw=data))


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be-bom"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("cp1252"), "windows-1252"),
])
def test_decodes_each_encoding(data: bytes, encoding: str) -> None:
    doc = run_decode(data)
    assert doc.text == TEXT
    assert doc.metadata["encoding"] == encoding and doc.raw is None


def test_latin1_and_legacy_cyrillic() -> None:
    assert run_decode("Größe und Maße der Brücke über den Fluss".encode("latin-1")).text.startswith("Größe")
    ru = "Городской совет принял решение о строительстве нового моста через реку. " * 3
    assert run_decode(ru.encode("cp1251")).text == ru


def test_never_replacement_characters_before_ftfy() -> None:
    doc = run_decode(b"abc \x81\x8d\x90 def " + "é".encode("utf-8") + b" \xe9")
    assert "\ufffd" not in doc.text and doc.text.startswith("abc ")


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary\x00", bytes(range(0, 32)) * 40, b"GIF89a\x01\x00\x01\x00\x00\xff"])
def test_binary_is_skipped(data: bytes) -> None:
    assert run_decode(data).metadata["skip_reason"] == "binary"


def test_empty_is_not_binary() -> None:
    doc = run_decode(b"")
    assert not doc.skipped and doc.text == ""


def test_size_cap_and_gzip() -> None:
    assert run_decode(b"x" * 101, max_bytes=100).metadata["skip_reason"] == "too-large"
    doc = run_decode(gzip.compress(b"<html><body><p>Hi</p></body></html>"), "page.html.gz")
    assert doc.metadata["format"] == "html" and doc.metadata["compression"] == "gzip"
    bomb = gzip.compress(b"a" * 10_000)
    assert run_decode(bomb, max_bytes=5_000).metadata["skip_reason"] == "too-large"
    assert run_decode(b"\x1f\x8b\x08\x00garbage").metadata["skip_reason"] == "corrupt-gzip"


@pytest.mark.parametrize("doc_id, data, fmt", [
    ("a.html", b"plain words", "html"),
    ("a.txt", b"<!DOCTYPE html><html><body>x</body></html>", "html"),
    ("a.txt", b"  <?xml version='1.0'?>\n<html lang='en'>", "html"),
    ("a.txt", b"Use the <b> tag for bold text.", "text"),
    ("a", b"<p>fragment</p>", "text"),
])
def test_format_detection(doc_id: str, data: bytes, fmt: str) -> None:
    assert run_decode(data, doc_id).metadata["format"] == fmt


def norm(text: str, **opts) -> Document:
    return normalize.Stage(normalize.Options(**opts))(Document(id="x", text=text))


def test_normalize_line_ends_controls_and_blank_lines() -> None:
    doc = norm("one\r\ntwo\rthree\x07\x00\n\n\n\n  four\u00a0 five  \t\n")
    assert doc.text == "one\ntwo\nthree\n\nfour five\n"
    rules = {e.rule for e in doc.edits}
    assert {"normalize.crlf", "normalize.line_separator", "normalize.control_chars", "normalize.whitespace",
            "normalize.blank_lines"} <= rules


def test_normalize_nfc_and_keeps_zwj_emoji() -> None:
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    doc = norm("Cafe\u0301 " + family + "\n")
    assert doc.text == "Caf\u00e9 " + family + "\n"
    assert [e.rule for e in doc.edits] == ["normalize.nfc"]


def test_normalize_is_idempotent_and_leaves_clean_text_alone() -> None:
    clean = "Para one.\n\nPara two, still “quoted”.\n"
    doc = norm(clean)
    assert doc.text == clean and doc.edits == []


def test_language_detects_and_filters() -> None:
    st = language.Stage(language.Options(keep=("de",)))
    d = st(Document(id="x", text="The council approved the new bridge over the river after a long debate.\n"))
    assert d.metadata["language"] == "en" and d.metadata["language_score"] > 0.9
    assert d.metadata["skip_reason"] == "language:en"
    short = st(Document(id="y", text="OK\n"))  # undetermined is not a kept language unless "und" is listed
    assert short.metadata["language"] == "und" and short.metadata["skip_reason"] == "language:und"
    keep_und = language.Stage(language.Options(keep=("de", "und")))(Document(id="z", text="OK\n"))
    assert not keep_und.skipped


def test_language_is_independent_of_order() -> None:
    texts = ["Le conseil municipal a voté le budget hier soir après un long débat.",
             "Der Stadtrat hat gestern Abend nach langer Debatte den Haushalt beschlossen.",
             "El ayuntamiento aprobó anoche el presupuesto tras un largo debate."]
    a = [language.Stage(language.Options()).detect(t) for t in texts]
    st = language.Stage(language.Options())
    b = [st.detect(t) for t in reversed(texts)][::-1]
    assert a == b and [x[0] for x in a] == ["fr", "de", "es"]


def test_api_clean_text_and_bytes() -> None:
    assert cleaner.clean_text("  hello  world \n") == "hello world\n"
    doc = cleaner.clean(TEXT.encode("cp1252"))
    assert doc.text == TEXT and doc.metadata["encoding"] == "windows-1252"


def test_pipeline_wraps_stage_errors() -> None:
    from cleaner.pipeline import Pipeline, StageError

    class Broken:
        name = "broken"

        def __call__(self, doc):
            raise ValueError("boom")

    with pytest.raises(StageError, match="doc1: stage 'broken' failed: ValueError: boom"):
        Pipeline([Broken()])(Document(id="doc1", text="x"))


def test_stage_returning_wrong_type_is_an_error() -> None:
    from cleaner.pipeline import Pipeline, StageError

    class Bad:
        name = "bad"

        def __call__(self, doc):
            return doc.text

    with pytest.raises(StageError, match="returned str"):
        Pipeline([Bad()])(Document(id="d", text="x"))


def test_clean_many_keeps_order_with_workers() -> None:
    from cleaner.pipeline import Pipeline

    p = Pipeline.from_config(Config())
    texts = [f"Line number {i} of the batch.\n" for i in range(40)]
    assert [d.text for d in p.clean_many(texts, jobs=2)] == [d.text for d in p.clean_many(texts, jobs=1)] == texts
