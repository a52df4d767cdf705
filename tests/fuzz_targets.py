"""Fuzz targets (issue 7): the bytes -> text entry point and the rule loader.

Used two ways:
  - tests/test_hostile.py runs them under hypothesis with the strategies below (part of the suite);
  - `python tests/fuzz_targets.py clean|decode|rules [libFuzzer flags]` runs one under atheris
    (coverage-guided; optional, not part of the suite; `pip install atheris`), for example
        python tests/fuzz_targets.py clean -max_total_time=120 -rss_limit_mb=2048
A target returns normally on good behaviour and raises (AssertionError or the bug's own exception)
on a finding.
"""
from __future__ import annotations

import codecs
import json
import re
import sys
import unicodedata
from pathlib import Path

if __name__ == "__main__" and str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a bare checkout

import cleaner
from cleaner.document import Document
from cleaner.pipeline import Pipeline
from cleaner.rules import RuleError, parse_rules
from cleaner.stages import decode

SKIP_REASONS = {"binary", "too-large", "corrupt-gzip"}
_DECODE = Pipeline([decode.Stage(decode.Options())])
_BAD_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


# ----------------------------------------------------------------------------- bytes -> text
def check_clean_bytes(data: bytes, name: str = "fuzz.txt") -> Document:
    """cleaner.clean(bytes) never raises; a kept document obeys the text invariant; cleaning the
    cleaned text again changes nothing (idempotence) and splits off nothing more."""
    doc = cleaner.clean(data, doc_id=name)
    assert isinstance(doc.text, str)
    if doc.skipped:
        assert doc.metadata["skip_reason"] in SKIP_REASONS or doc.metadata["skip_reason"].startswith("language"), doc.metadata
        return doc
    for d in (doc, *doc.stories):
        check_text_invariant(d.text)
    again = cleaner.clean(doc.text.encode("utf-8"), doc_id="fuzz-out.txt")
    assert not again.skipped, again.metadata
    assert again.text == doc.text, (doc.text, again.text)
    assert not again.stories
    return doc


def check_text_invariant(text: str) -> None:
    """What every output file looks like: "" or lines ending in one final LF, no CR, no control
    characters, no blank line at either end or two in a row, NFC."""
    if text == "":
        return
    assert text.endswith("\n") and not text.endswith("\n\n"), repr(text[-20:])
    assert not text.startswith("\n"), repr(text[:20])
    assert "\n\n\n" not in text
    assert not _BAD_CONTROLS.search(text), repr(_BAD_CONTROLS.search(text).group())
    assert not _SURROGATES.search(text), "a lone surrogate: the output file cannot be written as UTF-8"
    assert unicodedata.is_normalized("NFC", text)


def check_decode_lossless(data: bytes, name: str = "fuzz.txt") -> None:
    """The decode stage is lossless: its text, encoded back with the encoding it reports, gives the
    input again. So undecodable bytes never became U+FFFD (or vanished) before ftfy's turn."""
    doc = _DECODE(Document(id=name, raw=data))
    if doc.skipped:
        return
    enc = doc.metadata["encoding"]
    if doc.metadata.get("compression") == "gzip":
        data = decode._gunzip(data, 1 << 40)  # the stage's own reading of the container
    bom = b""
    if not enc.endswith("-bom") and any(e.rule == "decode.bom" for e in doc.edits):
        assert data.startswith(codecs.BOM_UTF8), "a BOM removed that was not there"
        data = data[len(codecs.BOM_UTF8):]  # a UTF-8 BOM before legacy bytes: dropped, the rest guessed
    if enc.endswith("-bom"):
        enc = enc[:-4]
        bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[enc]
    if enc == "sloppy-windows-1252":
        import ftfy.bad_codecs  # noqa: F401  registers the codec
    if "\ufffd" in doc.text:
        try:
            fffd = "\ufffd".encode(enc)
        except UnicodeError:
            fffd = None
        assert fffd is not None and fffd in data, f"U+FFFD invented while decoding as {enc}"
    if enc in {"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "windows-1252", "sloppy-windows-1252"}:
        assert bom + doc.text.encode(enc) == data, f"decoding as {enc} lost bytes"


# ----------------------------------------------------------------------------- rule loader
VALID_PATTERNS = [r"(?i)\bwe use cookies\b", r"^Share on \w+$", r"(?i)^(read more|related)\b", r"\d+ comments?$",
                  r"^Photo: .{1,40}$", r"(?i)subscribe"]
BAD_PATTERNS = ["(", "[a-", "a{2,1}", "*a", "(?P<x>a)(?P<x>b)", "\\", "(?<=a+)b", "a{4294967296}", "(?i",
                "(" * 2000 + "a" + ")" * 2000, "x(?i)y", "\\k<nope>", "\\Uffffffff"]  # the last: atheris
REQUIRED = ("id", "category", "pattern", "reason", "examples", "counterexamples")


def toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, except DEL, which TOML wants escaped too)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_str(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def render_rules(entries: list[dict], table: str = "rule") -> str:
    out = []
    for e in entries:
        out.append(f"[[{table}]]")
        out += [f"{toml_str(k)} = {toml_value(v)}" for k, v in e.items()]
        out.append("")
    return "\n".join(out)


def valid_rule(i: int, pattern: str = r"(?i)\bwe use cookies\b") -> dict:
    return {"id": f"en.fuzz.rule{i}", "category": "cookie", "lang": "en", "match": "line", "pattern": pattern,
            "max_words": 40, "reason": "fuzz rule", "examples": ["We use cookies here."],
            "counterexamples": ["The bakery sold cookies."]}


def check_parse_rules(text: str, source: str = "fuzz.toml", names: tuple[str, ...] | None = None) -> None:
    """parse_rules returns a RuleSet or raises RuleError naming the file, never another exception.
    names=(): the file must be accepted; names=(...): it must be refused, the message citing the
    file and one of `names` (the rule's id or its position "#n")."""
    if names:
        expect_rule_error(text, names, source)
        return
    try:
        parse_rules(text, source)
    except RuleError as e:
        assert names is None, f"a valid file was refused: {e}"
        assert source in str(e), str(e)


def expect_rule_error(text: str, names: tuple[str, ...], source: str = "fuzz.toml") -> str:
    """The file must be refused, with a RuleError naming the file and one of `names`."""
    try:
        parse_rules(text, source)
    except RuleError as e:
        msg = str(e)
        assert source in msg and any(n in msg for n in names), (names, msg)
        return msg
    raise AssertionError(f"accepted a broken rule file (expected an error naming {names}):\n{text[:500]}")


# ----------------------------------------------------------------------------- hypothesis strategies
def strategies():
    """Built lazily so that atheris runs do not need hypothesis."""
    from hypothesis import strategies as st

    chunks = st.sampled_from([
        b"\r\n", b"\r", b"\n\n", b"\x00", b"\x01\x07\x1b", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8", b"\t",
        codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\xef\xbf\xbd",
        b"<html>", b"<body>", b"<title>", b"<p>", b"</p>", b"<div class=\"cookie-banner\">", b"<script>", b"<!--",
        b"&amp", b"&#x110000;", b"&#0;", b"&nosuch;", b"<br>", b"<![CDATA[", b"<?xml version='1.0'?>",
        "café naïve Zürich ".encode(), "café".encode("latin-1"), "“quoted” – — … €".encode("cp1252"),
        "CafÃ© â€œsaidâ€".encode(), b"\xc3(", b"\xff\xfe", b"\xe2\x82", "Ελληνικά кириллица 中文 🙂".encode(),
        b"We use cookies to improve your experience on our site.", b"Share on Facebook", b"Read more",
        b"The council voted on Tuesday to rebuild the old bridge over the river before winter. ",
        b"<meta charset=\"shift_jis\">", b"\x1f\x8b\x08\x00",
        # charsets Python knows but no page means: not text encodings, escape codecs, UTF-7
        b"<meta charset=\"rot13\">", b"<meta charset=\"base64\">", b"<meta charset=\"unicode_escape\">",
        b"<meta charset=\"utf-7\">", b"<meta charset=\"undefined\">", b"\\ud800 +2AA- ",
    ])
    hostile_bytes = st.lists(st.one_of(chunks, st.binary(max_size=12)), max_size=40).map(b"".join)
    names = st.sampled_from(["f.txt", "f.html", "f.htm", "f.txt.gz", "f", "f.xhtml"])

    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
    scalar = st.one_of(text, st.integers(-5, 10**12), st.booleans(), st.floats(allow_nan=False, allow_infinity=False))
    value = st.one_of(scalar, st.lists(scalar, max_size=3))

    @st.composite
    def rule_file(draw):
        """(toml text, names): names = what the RuleError must cite, () when the file must be
        accepted, None when either outcome is legal (only "RuleError or a RuleSet" is checked)."""
        table = draw(st.sampled_from(["rule", "marker"]))
        n = draw(st.integers(1, 4))
        entries = [valid_rule(i, draw(st.sampled_from(VALID_PATTERNS))) for i in range(n)]
        if table == "marker":  # html class/id markers: no lang/match/word counts
            entries = [{k: v for k, v in x.items() if k in REQUIRED} for x in entries]
        k = draw(st.integers(0, n - 1))
        e = entries[k]
        where = (f"#{k + 1}", e["id"])
        kind = draw(st.sampled_from(["valid", "bad_regex", "unknown_key", "missing_key", "wrong_type", "bad_id",
                                     "bad_match", "duplicate", "not_array", "bad_toml", "junk_value"]))
        names: tuple[str, ...] | None = where
        if kind == "valid":
            names = ()
        elif kind == "bad_regex":
            e["pattern"] = draw(st.sampled_from(BAD_PATTERNS))
        elif kind == "unknown_key":
            e[draw(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10)
                   .filter(lambda s: s not in e and s not in ("lang", "match", "max_words", "min_words")))] = draw(value)
        elif kind == "missing_key":
            del e[draw(st.sampled_from(REQUIRED))]
        elif kind == "wrong_type":
            key = draw(st.sampled_from([*REQUIRED, *(("lang", "match", "max_words", "min_words") if table == "rule" else ())]))
            e[key] = draw(st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), min_size=1, max_size=2),
                                    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2)))
            if key in ("max_words", "min_words") and type(e[key]) is int and e[key] >= 0:
                names = ()  # a non-negative integer is a legal word count
        elif kind == "bad_id":
            e["id"] = draw(st.sampled_from(["", "Bad Id", "en", "EN.cookie.x", "en..x", ".en.x", "en.x.", "en x.y"]))
            names = (f"#{k + 1}",)
        elif kind == "bad_match":  # for a marker, "match" is an unknown key: refused as well
            e["match"] = draw(text.filter(lambda s: s not in ("line", "prefix", "suffix", "block")))
        elif kind == "duplicate":
            if n == 1:
                entries.append(dict(e))
            else:
                e["id"] = entries[(k + 1) % n]["id"]
            names = (e["id"],)
        elif kind == "junk_value":
            e[draw(st.sampled_from(sorted(e)))] = draw(value)
            names = None
        body = render_rules(entries, table)
        if kind == "not_array":
            body = draw(st.sampled_from(["rule = 5\n", "marker = 5\n", 'rule = "x"\n', "rule = [1, 2]\n",
                                         "rule = {id = 'en.a.b'}\n", "[rule]\nid = 'en.a.b'\n", "marker = true\n",
                                         "[[rule]]\n[[rule.examples]]\n"]))
            names = ("rule", "marker")
        elif kind == "bad_toml":
            cut = draw(st.integers(0, len(body)))
            body = body[:cut] + draw(st.sampled_from(["[[", "= =", "\"", "'''", "[rule", "\x00", "\\u", "\n= 1\n",
                                                      "x = 1\nx = 2\n"])) + body[cut:]
            names = None  # the break may land where it is still valid TOML
        return body, names

    return {"hostile_bytes": hostile_bytes, "names": names, "rule_file": rule_file(),
            "raw_text": st.text(max_size=300)}


# ----------------------------------------------------------------------------- atheris
def _atheris_main(argv: list[str]) -> None:
    import atheris

    which = argv[1] if len(argv) > 1 else "clean"
    names = ["f.txt", "f.html", "f.txt.gz", "f"]

    def clean_target(data: bytes) -> None:
        if not data:
            return check_clean_bytes(data)
        check_clean_bytes(data[1:], names[data[0] % len(names)])

    def decode_target(data: bytes) -> None:
        check_decode_lossless(data)

    def rules_target(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        mode = fdp.ConsumeIntInRange(0, 2)
        if mode == 0:  # free text
            check_parse_rules(fdp.ConsumeUnicodeNoSurrogates(len(data)))
        else:  # a valid file with one field replaced by fuzz
            e = valid_rule(1)
            key = sorted(e)[fdp.ConsumeIntInRange(0, len(e) - 1)]
            e[key] = fdp.ConsumeUnicodeNoSurrogates(64) if mode == 1 else fdp.ConsumeInt(8)
            check_parse_rules(render_rules([e]))

    target = {"clean": clean_target, "decode": decode_target, "rules": rules_target}[which]
    atheris.instrument_all()  # coverage feedback from everything imported so far (cleaner, ftfy, bs4...)
    check_clean_bytes(b"warm up: load the stages before fuzzing\n")
    atheris.Setup([argv[0], *argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    _atheris_main(sys.argv)
