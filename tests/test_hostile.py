"""Issue 7: hostile input, faults and interruptions lose nothing and never crash.

One section per line of the issue. CLI tests call main(argv) in-process; a subprocess only where a
signal (SIGKILL, SIGINT) or a real stderr (tracebacks from pool workers) is the point. Fuzz targets
live in tests/fuzz_targets.py (also runnable under atheris).

Tests that rely on the html stage: test_broken_html_yields_text, test_html_deep_nesting_yields_text,
test_hostile_folder_runs_without_traceback, test_a_folder_named_like_a_file_is_a_folder,
test_a_declared_charset_that_is_no_page_encoding_is_ignored, test_junk_before_the_start_of_a_page_does_not_hide_it. On the
encoding stage (ftfy): test_undecodable_bytes_mixed_into_utf8_are_repaired_by_ftfy. On the line
model keeping plain prose: every test comparing an output with ARTICLE.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cleaner
import fuzz_targets as ft
from cleaner.cli import main
from cleaner.document import Document
from cleaner.io import Problem, TMP_SUFFIX, read_capped, sweep_stale_temps, walk, write_atomic
from cleaner.pipeline import Pipeline, StageError
from cleaner.rules import RuleError, load_rules, parse_rules
from cleaner.stages import decode, normalize

ROOT = Path(__file__).resolve().parent.parent
PKG_PARENT = Path(cleaner.__file__).resolve().parent.parent  # subprocesses run the same `cleaner`
STRATS = ft.strategies()

P1 = ("The harbour committee met on Thursday evening to discuss the repairs to the eastern breakwater, "
      "which was damaged in the January storms and has been closed to walkers ever since.")
P2 = ("Engineers told the meeting that the work would take about eleven weeks, and that the fishing boats "
      "could keep using the inner basin while the contractors were on site.")
P3 = ("Several residents asked whether the footpath along the sea wall would reopen before the summer "
      "festival, and the chair promised them an answer at the next meeting in March.")
ARTICLE = "\n\n".join([P1, P2, P3]) + "\n"
DECODE = Pipeline([decode.Stage(decode.Options())])
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- helpers
def run(argv: list[str], capsys) -> tuple[int, str]:
    """main(argv) in-process: exit code and stderr, which must never hold a traceback."""
    rc = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return rc, err


def files(root: Path) -> dict[str, bytes]:
    """Regular files under root (symlinks not followed), by relative path."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            p = Path(folder, name)
            if not p.is_symlink() and p.is_file():
                out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def snapshot(root: Path) -> str:
    """A hash of everything about a tree a run could change: names, kinds, bytes, link targets,
    inodes (an atomic rewrite changes them) and modification times."""
    h = hashlib.sha256()
    for folder, dirs, names in sorted(os.walk(root)):
        for name in sorted(dirs + names):
            p = Path(folder, name)
            st_ = p.lstat()
            h.update(f"{p.relative_to(root)}\0{st_.st_mode}\0{st_.st_ino}\0{st_.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
            if p.is_symlink():
                h.update(os.readlink(p).encode("utf-8", "surrogateescape"))
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def temps(root: Path) -> list[str]:
    return [rel for rel in files(root) if rel.endswith(TMP_SUFFIX)]


def cli_subprocess(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "cleaner.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **kw)


def prose(rng: random.Random, paragraphs: int) -> str:
    """Varied article-like text (our own words, shuffled), so every file has different output."""
    sentences = [P1, P2, P3,
                 "The lifeboat crew thanked the volunteers who repainted the station during the winter months.",
                 "A new timetable for the ferry to the islands will be published by the council next week.",
                 "Local schools will visit the restored lighthouse as part of a history project this spring."]
    return "\n\n".join(" ".join(rng.sample(sentences, 3)) for _ in range(paragraphs)) + "\n"


def write_tree(root: Path, spec: dict[str, bytes]) -> Path:
    for rel, data in spec.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


# ============================================================================= binary and empty
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes((i * 7) % 256 for i in range(3000))


def test_binary_and_nul_files_are_skipped_as_binary_and_named(tmp_path: Path, capsys) -> None:
    src = write_tree(tmp_path / "in", {
        "photo.txt": PNG,  # the .txt suffix proves nothing
        "nul.txt": ARTICLE.encode() + b"\x00\x00" + ARTICLE.encode(),
        "random.dat": random.Random(7).randbytes(5000),
        "controls.txt": bytes(range(1, 32)) * 50,  # no NUL, but nothing like text
        "good.txt": ARTICLE.encode(),
    })
    out = tmp_path / "out"
    rc, err = run(["clean", str(src), "--out", str(out), "--jobs", "1"], capsys)
    assert rc == 0
    for name in ("photo.txt", "nul.txt", "random.dat", "controls.txt"):
        assert f"{src / name}: skipped (binary)" in err
    assert files(out) == {"good.txt": ARTICLE.encode()}
    assert cleaner.clean(b"text\x00more text", doc_id="x.txt").metadata["skip_reason"] == "binary"


def test_empty_and_blank_files_give_empty_output_without_error(tmp_path: Path, capsys) -> None:
    src = write_tree(tmp_path / "in", {"empty.txt": b"", "blank.txt": b" \r\n\t\n\n   \n", "empty.html": b""})
    out = tmp_path / "out"
    rc, err = run(["clean", str(src), "--out", str(out), "--jobs", "1"], capsys)
    assert rc == 0
    assert ": error:" not in err and "skipped (" not in err and "errors 0" in err
    # empty.html would also be empty.txt: it keeps its full name (plan's rule for shared output names)
    assert files(out) == {"empty.txt": b"", "blank.txt": b"", "empty.html.txt": b""}


# ============================================================================= encodings
LATIN = ("Le café de Zürich a rouvert ses portes mardi matin après trois mois de travaux, et les habitués "
         "naïfs ont retrouvé leur table près de la fenêtre pour un thé glacé à 3 £.\n")
CP1252 = ("The mayor said “we are nearly there” – and the crowd cheered — before the €5 tickets sold out… "
          "it’s the ‘best’ year yet, she added, and everyone at the harbour agreed with her.\n")
WIDE = ("Der Stadtrat beschloss am Dienstag, die Brücke über den Fluss vor dem Winter zu erneuern; "
        "Ελληνικά, кириллица, 中文 and 🙂 survive too.\n")


@pytest.mark.parametrize("text,data,encoding", [
    (LATIN, LATIN.encode("latin-1"), None),
    (CP1252, CP1252.encode("cp1252"), "windows-1252"),
    (WIDE, b"\xff\xfe" + WIDE.encode("utf-16-le"), "utf-16-le-bom"),
    (WIDE, b"\xfe\xff" + WIDE.encode("utf-16-be"), "utf-16-be-bom"),
    (WIDE, b"\xef\xbb\xbf" + WIDE.encode("utf-8"), "utf-8-bom"),
    (LATIN, b"\xff\xfe" + LATIN.encode("utf-16-le"), "utf-16-le-bom"),
], ids=["latin-1", "cp1252", "utf-16-le-bom", "utf-16-be-bom", "utf-8-bom", "latin-as-utf-16"])
def test_legacy_and_bom_encodings_come_out_right(text: str, data: bytes, encoding: str | None) -> None:
    doc = DECODE(Document(id="x.txt", raw=data))
    assert doc.text == text
    if encoding:
        assert doc.metadata["encoding"] == encoding
    out = cleaner.clean(data, doc_id="x.txt")
    assert out.text == text  # one clean paragraph: the whole pipeline keeps it exactly
    assert "\ufeff" not in out.text and "\ufffd" not in out.text


MIXED = ("Café one – fine UTF-8 text about the harbour committee and its long meeting on Thursday evening.\n\n".encode()
         + b"Broken \xff\xfe here and a cut \xc3( sequence in the middle of a sentence about the harbour works.\n\n"
         + "Café two — fine again, and the engineers said the work would take about eleven weeks.\n".encode())


def test_undecodable_bytes_never_become_replacement_chars_before_ftfy() -> None:
    doc = DECODE(Document(id="m.txt", raw=MIXED))
    assert "\ufffd" not in doc.text
    assert "Broken" in doc.text and "here and a cut" in doc.text and "fine again" in doc.text
    ft.check_decode_lossless(MIXED)


def test_undecodable_bytes_mixed_into_utf8_are_repaired_by_ftfy() -> None:
    """Decode maps every byte (no U+FFFD), so ftfy can still turn the UTF-8 parts back into text."""
    text = cleaner.clean(MIXED, doc_id="m.txt").text
    assert "Café one – fine" in text and "Café two — fine again" in text
    assert "Ã" not in text.replace("Ã(", "") and "\ufffd" not in text


def test_a_failed_charset_guess_logs_nothing(tmp_path: Path, capsys) -> None:
    """bs4's last resort logs a warning naming no file; it must not reach stderr."""
    src = write_tree(tmp_path / "in", {"odd.txt": bytes(0x80 + i % 100 for i in range(300)) + "кириллица".encode("cp1251") * 20})
    rc, err = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert rc == 0 and "REPLACEMENT CHARACTER" not in err
    assert [line for line in err.splitlines() if not re.match(r"(files|skipped|bytes|removed|languages|stories) ", line)] == []


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "unicode_escape", "raw_unicode_escape", "utf-7",
                                     "undefined", "idna"])
def test_a_declared_charset_that_is_no_page_encoding_is_ignored(charset: str) -> None:
    """Python can look these up, but they are no charset a page means: decoding with them raised
    (LookupError, UnicodeError: the file was lost as an error) or turned "\\ud800" and "+2AA-" into
    lone surrogates that no UTF-8 output can hold."""
    page = (f'<html><head><meta charset="{charset}"></head><body><p>Caf\xe9 \\ud800 +2AA- {P1}</p></body></html>')
    doc = cleaner.clean(page.encode("latin-1"), doc_id="page.html")
    assert not doc.skipped
    assert doc.text == f"Café \\ud800 +2AA- {P1}\n"
    assert doc.metadata["encoding"] == "windows-1252"


@pytest.mark.parametrize("junk", ["\ufffd", "\ufeff\ufeff", "\u200b", "\x01\x02", "\ufffd \n"])
def test_junk_before_the_start_of_a_page_does_not_hide_it(junk: str) -> None:
    """Found by the idempotence fuzz target (b"\\xef\\xbf\\xbd<html>"): U+FFFD before "<html>" made the
    page text; the encoding stage then dropped the U+FFFD, so the output started with "<html>" and a
    second run read it as a page."""
    page = f"{junk}<html><body><nav>Home | News</nav><p>{P1}</p></body></html>"
    doc = cleaner.clean(page.encode("utf-8"), doc_id="dump")
    assert doc.metadata["format"] == "html" and doc.text == P1 + "\n"
    assert cleaner.clean(doc.text.encode(), doc_id="dump.txt").text == doc.text


@FUZZ
@given(st.binary(max_size=3000))
def test_decode_is_lossless_on_any_bytes(data: bytes) -> None:
    ft.check_decode_lossless(data)


@FUZZ
@given(STRATS["hostile_bytes"], STRATS["names"])
@example(b"\xef\xbb\xbf\xff\xfe", "f.txt")  # hypothesis: a UTF-8 BOM before legacy bytes went without an edit
def test_decode_is_lossless_on_hostile_bytes(data: bytes, name: str) -> None:
    ft.check_decode_lossless(data, name)


# ============================================================================= line ends, controls
@pytest.mark.parametrize("variant", ["crlf", "cr", "mixed", "controls"])
def test_line_ends_become_lf_and_control_chars_go(tmp_path: Path, capsys, variant: str) -> None:
    dirty = {
        "crlf": ARTICLE.replace("\n", "\r\n"),
        "cr": ARTICLE.replace("\n", "\r"),
        "mixed": P1 + "\r\n\r" + P2 + "\n\r\n" + P3 + "\r",
        "controls": "\x01" + ARTICLE.replace("harbour", "har\x07bour").replace("Engineers", "\x1bEngineers\x7f")
                    .replace("residents", "resi\x08dents\x1f"),
    }[variant]
    src = write_tree(tmp_path / "in", {"a.txt": dirty.encode()})
    rc, _ = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert rc == 0
    got = (tmp_path / "out" / "a.txt").read_bytes()
    assert got == ARTICLE.encode()
    assert not [c for c in got.decode() if c != "\n" and unicodedata.category(c) == "Cc"]


def test_lone_surrogates_never_reach_the_output() -> None:
    """A str from the API (or a JSON "\\ud800" escape) can hold lone surrogates: normalize drops them,
    so the text can always be written as UTF-8, also with the encoding stage (ftfy) turned off."""
    text = f"{P1} \ud800 and \udce9 here.\n"
    for pipe in (Pipeline.from_config(), Pipeline([normalize.Stage(normalize.Options())])):
        out = pipe(Document(id="s.txt", text=text)).text
        assert out == f"{P1} and here.\n"
        ft.check_text_invariant(out)


# ============================================================================= broken HTML
BROKEN_HTML = {
    "unclosed-tags": b"<html><body><div><p>" + P1.encode() + b"<p>" + P2.encode() + b" <b>bold <i>both</p><div><p>"
                     + P3.encode() + b"<table><tr><td>cell",
    "bogus-entities": b"<p>Fish &chips; &amp bread &#xZZ; &#99999999; &#0; &#x110000; &nosuchentity; done.</p><p>"
                      + P1.encode() + b"</p><p>" + P2.encode() + b"</p><p>" + P3.encode() + b"</p>",
    "unclosed-title": b"<html><head><title>Harbour news\n<body><h1>Breakwater repairs</h1><p>" + P1.encode()
                      + b"</p><p>" + P2.encode() + b"</p><p>" + P3.encode() + b"</p></body></html>",
    "unclosed-title-no-body": b"<title>Harbour news<p>" + P1.encode() + b"<p>" + P2.encode() + b"<p>" + P3.encode(),
    "unclosed-style": b"<html><head><style>p {color: red}\n</head><body><p>" + P1.encode() + b"</p><p>"
                      + P2.encode() + b"</p><p>" + P3.encode() + b"</p></body></html>",
    "unclosed-script": b"<html><body><script>var x = 1;\n<p>" + P1.encode() + b"</p><p>" + P2.encode() + b"</p><p>"
                       + P3.encode() + b"</p></body></html>",
    "stray-end-tags": b"</p></div></body></html><p>" + P1.encode() + b"</span></p></td><p>" + P2.encode() + b"<p>"
                      + P3.encode() + b"</html></html>",
}


@pytest.mark.parametrize("name", sorted(BROKEN_HTML))
def test_broken_html_yields_text(name: str) -> None:
    doc = cleaner.clean(BROKEN_HTML[name], doc_id=f"{name}.html")
    assert not doc.skipped
    for p in (P1, P2, P3):
        assert p in doc.text, (name, doc.text[:300])
    assert "<p>" not in doc.text and "</" not in doc.text


def test_html_deep_nesting_yields_text() -> None:
    """10,000 nested elements (deeper than parsers and recursive code like): text, not nothing."""
    depth = 10_000
    page = b"<html><body>" + b"<div>" * depth + b"<p>" + ARTICLE.encode() + b"</p>" + b"</div>" * depth + b"</body></html>"
    doc = cleaner.clean(page, doc_id="deep.html")
    assert P1 in doc.text and P3 in doc.text


# ============================================================================= symlinks and odd folders
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs POSIX symlinks")


@pytest.fixture
def linked_tree(tmp_path: Path) -> Path:
    src = write_tree(tmp_path / "in", {"a/one.txt": ARTICLE.encode(), "b/two.txt": ARTICLE.encode().upper()})
    os.symlink("..", src / "a" / "up")  # back up to the root: a loop through the root
    os.symlink(".", src / "a" / "self")  # to its own folder
    os.symlink("../a", src / "b" / "to-a")  # a second way into a/
    os.symlink(str(src), src / "b" / "root-abs")  # absolute link to the root
    os.symlink("loop2.txt", src / "loop1.txt")  # file links in a cycle
    os.symlink("loop1.txt", src / "loop2.txt")
    os.symlink("nowhere.txt", src / "gone.txt")  # dangling
    return src


@needs_symlinks
def test_symlink_loops_walk_each_folder_once(linked_tree: Path) -> None:
    problems: list[Problem] = []
    found = [rel for _, rel in islice(walk(linked_tree, problems), 100)]  # a loop would run far past 100
    assert found == ["a/one.txt", "b/two.txt"]
    reported = {Path(p.path).name: p.reason for p in problems}
    assert "dangling" in reported["gone.txt"]
    assert {"loop1.txt", "loop2.txt"} <= set(reported)


@needs_symlinks
def test_symlink_loops_and_dangling_links_through_the_cli(linked_tree: Path, tmp_path: Path, capsys) -> None:
    out, report = tmp_path / "out", tmp_path / "report.json"
    rc, err = run(["clean", str(linked_tree), "--out", str(out), "--jobs", "2", "--report", str(report)], capsys)
    assert set(files(out)) == {"a/one.txt", "b/two.txt"}  # no duplicate work under up/, self/, to-a/
    assert [f["id"] for f in json.loads(report.read_text())["files"]] == ["a/one.txt", "b/two.txt"]
    assert re.search(rf"{re.escape(str(linked_tree / 'gone.txt'))}: .*dangling", err)
    assert str(linked_tree / "loop1.txt") in err and str(linked_tree / "loop2.txt") in err
    assert rc == 1  # a named input could not be read


@needs_symlinks
def test_dangling_link_given_as_source_is_reported(tmp_path: Path, capsys) -> None:
    os.symlink(tmp_path / "missing.txt", tmp_path / "link.txt")
    (tmp_path / "ok.txt").write_text(ARTICLE)
    rc, err = run(["clean", str(tmp_path / "link.txt"), str(tmp_path / "ok.txt"), "--out", str(tmp_path / "out")], capsys)
    assert "link.txt: error: dangling symlink" in err
    assert files(tmp_path / "out") == {"ok.txt": ARTICLE.encode()}
    assert rc == 1


def test_a_folder_named_like_a_file_is_a_folder(tmp_path: Path, capsys) -> None:
    src = write_tree(tmp_path / "in", {"x.txt/inner.txt": ARTICLE.encode(), "page.html/index.html": b"<p>" + P1.encode() + b"</p>"})
    out = tmp_path / "out"
    rc, err = run(["clean", str(src), "--out", str(out), "--jobs", "1"], capsys)
    assert rc == 0 and ": error:" not in err
    assert files(out) == {"x.txt/inner.txt": ARTICLE.encode(), "page.html/index.txt": (P1 + "\n").encode()}
    rc, err = run(["clean", str(src / "x.txt"), "--out", str(tmp_path / "out2")], capsys)  # given directly: a folder
    assert rc == 0 and files(tmp_path / "out2") == {"inner.txt": ARTICLE.encode()}
    rc, err = run(["check", str(src / "x.txt")], capsys)  # the hooks take files only
    assert rc == 1 and f"{src / 'x.txt'}: error: not a file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_opened(tmp_path: Path, capsys) -> None:
    """Reading a FIFO with no writer blocks forever: in a tree it is passed over, given by name it
    is reported."""
    src = write_tree(tmp_path / "in", {"a.txt": ARTICLE.encode()})
    os.mkfifo(src / "pipe.txt")
    rc, err = run(["clean", str(src), str(src / "pipe.txt"), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert f"{src / 'pipe.txt'}: error: not a regular file" in err and rc == 1
    assert files(tmp_path / "out") == {"a.txt": ARTICLE.encode()}


def test_an_unreadable_file_is_named_and_the_run_goes_on(tmp_path: Path, capsys, monkeypatch) -> None:
    """Permission denied (simulated: tests may run as root, who reads anything) is that file's error."""
    import cleaner.engines.work as work

    src = write_tree(tmp_path / "in", {"locked.txt": ARTICLE.encode(), "ok.txt": ARTICLE.encode()})
    real = work.read_capped

    def denied(path, limit):
        if Path(path).name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, limit)

    monkeypatch.setattr(work, "read_capped", denied)
    rc, err = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert rc == 1 and f"{src / 'locked.txt'}: error: cannot read: Permission denied" in err
    assert files(tmp_path / "out") == {"ok.txt": ARTICLE.encode()}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_an_unreadable_file_for_real(tmp_path: Path, capsys) -> None:
    src = write_tree(tmp_path / "in", {"locked.txt": ARTICLE.encode(), "ok.txt": ARTICLE.encode()})
    (src / "locked.txt").chmod(0)
    try:
        rc, err = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    finally:
        (src / "locked.txt").chmod(0o644)
    assert rc == 1 and f"{src / 'locked.txt'}: error: cannot read" in err
    assert files(tmp_path / "out") == {"ok.txt": ARTICLE.encode()}


def test_an_output_that_must_also_be_a_folder_is_reported(tmp_path: Path, capsys) -> None:
    """x.html -> OUT/x.txt, while the folder x.txt/ -> OUT/x.txt/inner.txt: one file system path
    cannot be both; the outcome must not depend on which worker writes first."""
    src = write_tree(tmp_path / "in", {"x.txt/inner.txt": ARTICLE.encode(), "x.html": b"<p>" + P1.encode() + b"</p>"})
    rc, err = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "2"], capsys)
    assert rc == 1 and f"{src / 'x.html'}: error: output x.txt" in err
    assert files(tmp_path / "out") == {"x.txt/inner.txt": ARTICLE.encode()}


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes in names")
def test_undecodable_file_names_with_diff_report_and_strict_stdout(tmp_path: Path) -> None:
    """A file name that is not UTF-8 (common in scraped dumps) must not crash the diff, the
    report or the messages, also where stdout is strict UTF-8 (most non-C locales)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / os.fsdecode(b"caf\xe9-page.txt")).write_bytes(ARTICLE.replace("\n", "\r\n").encode())
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT), "PYTHONIOENCODING": "utf-8:strict"}
    proc = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", str(src), "--out", str(tmp_path / "out"),
                           "--diff", "--explain", "--report", str(tmp_path / "r.json")], cwd=tmp_path, env=env,
                          capture_output=True, timeout=300)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert proc.returncode == 0
    assert list((tmp_path / "out").iterdir())[0].read_bytes() == ARTICLE.encode()
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["cleaned"] == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_diff_into_a_closed_pipe_does_not_stop_the_run(tmp_path: Path, jobs: str) -> None:
    """`cleaner clean SRC --out OUT --diff | head`: the reader goes away early. That used to end the
    run with a BrokenPipeError traceback; the outputs are the point, so every one is still written."""
    src = write_tree(tmp_path / "in", {f"f{i}.txt": ARTICLE.replace("\n", "\r\n").encode() for i in range(20)})
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT)}
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that is already gone: the first write fails
    try:
        proc = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", str(src), "--out", str(tmp_path / "out"),
                               "--diff", "--jobs", jobs], cwd=tmp_path, env=env, stdout=write_end,
                              stderr=subprocess.PIPE, timeout=300)
    finally:
        os.close(write_end)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert proc.returncode == 0
    assert files(tmp_path / "out") == {f"f{i}.txt": ARTICLE.encode() for i in range(20)}


def test_stdout_closed_early_on_stdin_mode_is_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT)}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", "-"], input=ARTICLE.encode() * 200,
                              cwd=tmp_path, env=env, stdout=write_end, stderr=subprocess.PIPE, timeout=300)
    finally:
        os.close(write_end)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert proc.returncode == 1


JSONL_HOSTILE = [
    json.dumps({"id": "a", "text": P1}).encode(),
    b'{"id": "b", "text": "Le caf\xe9 du port a rouvert ses portes mardi matin apr\xe8s trois mois de travaux.", "x": 1}',
    b"not json \xff\xfe",  # passed through, byte for byte
    b'{"id": "c", "text": "' + P2.encode() + b' \\ud800", "y": "\\udce9"}',  # lone surrogates as JSON escapes
    b"[" * 100_000,  # json.loads: RecursionError
    b'{"text": "' + P3.encode() + b'", "n": ' + b"1" * 5000 + b"}",  # json.loads: ValueError (int digits limit)
]


def test_jsonl_with_hostile_lines_to_strict_stdout_and_files(tmp_path: Path) -> None:
    """Bytes that are not UTF-8, lone surrogates, JSON too deep or numbers too long for json.loads:
    no traceback, no record lost, bad lines passed through byte for byte; a truncated .jsonl.gz is
    that file's one-line error."""
    data = b"\n".join(JSONL_HOSTILE) + b"\n"
    src = write_tree(tmp_path / "in", {"a.jsonl": data, "cut.jsonl.gz": gzip.compress(data)[:-20]})
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT), "PYTHONIOENCODING": "utf-8:strict"}
    piped = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", "--format", "jsonl", "-"], input=data,
                           cwd=tmp_path, env=env, capture_output=True, timeout=300)
    assert b"Traceback" not in piped.stderr and piped.returncode == 0, piped.stderr.decode(errors="replace")
    out = piped.stdout.split(b"\n")
    assert len(out) == len(JSONL_HOSTILE) + 1 and out[2] == JSONL_HOSTILE[2] and out[4] == JSONL_HOSTILE[4]
    assert out[5] == JSONL_HOSTILE[5]
    assert json.loads(out[0])["text"] == P1 + "\n"
    assert json.loads(out[1])["text"].startswith("Le café du port") and json.loads(out[1])["x"] == 1
    assert json.loads(out[3])["text"] == P2 + "\n" and json.loads(out[3])["y"] == "\udce9"
    proc = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", "--format", "jsonl", str(src), "--out",
                           str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True, timeout=300)
    err = proc.stderr.decode()
    assert "Traceback" not in err and proc.returncode == 1
    (error,) = [line for line in err.splitlines() if ": error: " in line]
    assert error.startswith(f"cleaner: {src / 'cut.jsonl.gz'}: error: ")  # gzip's own words follow
    assert files(tmp_path / "out") == {"a.jsonl": piped.stdout}


@pytest.mark.skipif(os.name != "posix", reason="needs file names with control characters")
def test_a_file_name_with_a_newline_is_named_on_one_line(tmp_path: Path, capsys) -> None:
    """POSIX allows any byte but / and NUL in a name: a newline in it must not split a message."""
    src = write_tree(tmp_path / "in", {"odd\nname\t.txt": PNG, "ok.txt": ARTICLE.encode()})
    rc, err = run(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1", "-q"], capsys)
    assert rc == 0 and err == f"cleaner: {src}/odd\\nname\\t.txt: skipped (binary)\n"


# ============================================================================= long lines, large files
def test_a_one_megabyte_line_is_handled() -> None:
    line = ((P1 + " ") * (1_000_000 // (len(P1) + 1) + 1))[:1_000_000].rstrip() + "\n"
    doc = cleaner.clean(line.encode(), doc_id="long.txt")
    assert doc.text == line  # prose: kept whole
    blob = random.Random(3).choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k=1_000_000)
    doc = cleaner.clean(("".join(blob) + "\n").encode(), doc_id="blob.txt")  # no spaces at all
    assert not doc.skipped and doc.text in ("", "".join(blob) + "\n")


def test_too_large_above_configured_limit(tmp_path: Path, capsys) -> None:
    config = tmp_path / "cleaner.toml"
    config.write_text("[decode]\nmax_bytes = 2000\n")
    big_gz = gzip.compress(ARTICLE.encode() * 50)  # small on disk, 20 KB once opened
    src = write_tree(tmp_path / "in", {"small.txt": ARTICLE.encode(), "big.txt": ARTICLE.encode() * 10,
                                       "bomb.txt.gz": big_gz})
    assert len(big_gz) < 2000
    out = tmp_path / "out"
    rc, err = run(["clean", str(src), "--out", str(out), "--config", str(config), "--jobs", "1"], capsys)
    assert rc == 0
    assert f"{src / 'big.txt'}: skipped (too-large)" in err
    assert f"{src / 'bomb.txt.gz'}: skipped (too-large)" in err
    assert files(out) == {"small.txt": ARTICLE.encode()}


def test_hundred_megabyte_file_is_skipped_without_reading_it(tmp_path: Path, capsys) -> None:
    """100 MB (sparse: costs no disk) is above the default 50 MB limit: skipped, and never read
    whole into memory."""
    big = tmp_path / "in" / "huge.txt"
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(100_000_000)
    tracemalloc.start()
    try:
        assert read_capped(big, 50_000_000) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    rc, err = run(["clean", str(big.parent), "--out", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert rc == 0 and f"{big}: skipped (too-large)" in err
    assert files(tmp_path / "out") == {}


# ============================================================================= --out safety
@pytest.fixture
def src_tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "in", {"a.txt": ARTICLE.replace("\n", "\r\n").encode(), "sub/b.html": b"<p>" + P1.encode() + b"</p>",
                                        "sub/c.txt.gz": gzip.compress(ARTICLE.encode()), "d.txt": ARTICLE.encode()})


@pytest.mark.parametrize("where", ["equal", "inside", "deep-inside", "file"])
def test_out_equal_to_or_inside_an_input_is_refused(src_tree: Path, capsys, where: str) -> None:
    before = snapshot(src_tree)
    out = {"equal": src_tree, "inside": src_tree / "clean", "deep-inside": src_tree / "sub" / "x" / "y",
           "file": src_tree / "a.txt"}[where]
    rc, err = run(["clean", str(src_tree), str(src_tree / "a.txt"), "--out", str(out)], capsys)
    assert rc == 2 and "--out" in err
    assert snapshot(src_tree) == before


@needs_symlinks
def test_out_through_a_symlink_into_the_input_is_refused(src_tree: Path, tmp_path: Path, capsys) -> None:
    os.symlink(src_tree / "sub", tmp_path / "sneaky")
    before = snapshot(src_tree)
    rc, err = run(["clean", str(src_tree), "--out", str(tmp_path / "sneaky" / "out")], capsys)
    assert rc == 2 and snapshot(src_tree) == before


def test_out_that_would_overwrite_an_input_file_is_refused(src_tree: Path, capsys) -> None:
    """A single file cleaned into its own folder: its output name is its own name."""
    before = snapshot(src_tree)
    rc, err = run(["clean", str(src_tree / "a.txt"), "--out", str(src_tree)], capsys)
    assert rc != 0 and "a.txt" in err
    assert snapshot(src_tree) == before
    rc, err = run(["clean", str(src_tree / "sub" / "b.html"), "--out", str(src_tree / "sub")], capsys)
    assert rc == 0 and (src_tree / "sub" / "b.txt").read_bytes() == (P1 + "\n").encode()  # beside it: allowed


def test_inputs_are_never_changed_and_in_place_is_the_only_exception(src_tree: Path, tmp_path: Path, capsys) -> None:
    before = snapshot(src_tree)
    for jobs in ("1", "2"):
        rc, _ = run(["clean", str(src_tree), "--out", str(tmp_path / f"out{jobs}"), "--jobs", jobs, "--diff", "--explain",
                     "--report", str(tmp_path / "r.json")], capsys)
        assert rc == 0
    rc, _ = run(["check", str(src_tree / "a.txt"), str(src_tree / "d.txt")], capsys)
    assert snapshot(src_tree) == before
    rc, _ = run(["clean", str(src_tree), "--out", str(tmp_path / "x"), "--in-place"], capsys)
    assert rc == 2 and snapshot(src_tree) == before  # both at once: a usage error, nothing done
    rc, _ = run(["clean", str(src_tree), "--in-place", "--jobs", "1"], capsys)
    assert rc == 0 and (src_tree / "a.txt").read_bytes() == ARTICLE.encode()  # CRLF gone: changed, as asked


# ============================================================================= atomic outputs
def _corpus(root: Path, n: int, paragraphs: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    spec = {}
    for i in range(n):
        text = prose(rng, paragraphs)
        if i % 3 == 1:
            spec[f"d{i % 4}/page{i}.html"] = ("<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + "</body></html>").encode()
        else:
            spec[f"d{i % 4}/note{i}.txt"] = text.replace("\n", "\r\n" if i % 2 else "\n").encode()
    return write_tree(root, spec)


def test_sigkill_at_random_moments_leaves_only_complete_outputs(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in", n=200, paragraphs=20)
    ref_out = tmp_path / "reference"
    t0 = time.monotonic()
    proc = cli_subprocess(["clean", str(src), "--out", str(ref_out), "--jobs", "2", "-q"], tmp_path)
    _, err = proc.communicate(timeout=600)
    full = time.monotonic() - t0  # only to spread the kills over a run's length; nothing is asserted on it
    assert proc.returncode == 0, err.decode()
    reference = files(ref_out)
    assert len(reference) == 200

    out = tmp_path / "out"
    rng = random.Random(20240607)
    for attempt in range(6):
        proc = cli_subprocess(["clean", str(src), "--out", str(out), "--jobs", str(1 + attempt % 2), "-q"], tmp_path)
        time.sleep(rng.uniform(0.3 * full, full))  # past start-up: into the writing
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its pool workers, at once
        proc.communicate(timeout=60)
        for rel, data in files(out).items():
            if rel.endswith(TMP_SUFFIX):
                continue  # a killed writer's temporary file: never under an output's name
            assert data == reference[rel], f"attempt {attempt}: {rel} is not the complete output"
    proc = cli_subprocess(["clean", str(src), "--out", str(out), "--jobs", "2", "-q"], tmp_path)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert temps(out) == []  # the next run sweeps what killed runs left
    assert files(out) == reference


def test_stale_temp_files_of_dead_writers_are_swept_by_the_next_run(tmp_path: Path, capsys) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    src = write_tree(tmp_path / "in", {"a.txt": ARTICLE.encode(), "sub/b.txt": ARTICLE.encode()})
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    stale = out / "sub" / f".b.txt.{dead.pid}.abc123{TMP_SUFFIX}"
    stale.write_bytes(ARTICLE.encode()[:17])  # a half-written output of a killed run
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = out / f".a.txt.{writer.pid}.zzz999{TMP_SUFFIX}"  # another run's live writer: left alone
        alive.write_bytes(b"x")
        rc, _ = run(["clean", str(src), "--out", str(out), "--jobs", "1"], capsys)
        assert rc == 0 and not stale.exists() and alive.exists()
    finally:
        writer.kill()
        writer.wait()
    alive.unlink()
    assert files(out) == {"a.txt": ARTICLE.encode(), "sub/b.txt": ARTICLE.encode()}


def test_write_atomic_failing_midway_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "t.txt"
    target.write_bytes(b"old complete content\n")

    def broken_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new content\n")
    assert target.read_bytes() == b"old complete content\n"
    assert os.listdir(tmp_path) == ["t.txt"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly_with_130_and_a_summary(tmp_path: Path, jobs: str) -> None:
    src = _corpus(tmp_path / "in", n=240, paragraphs=12, seed=5)
    out = tmp_path / "out"
    proc = cli_subprocess(["clean", str(src), "--out", str(out), "--jobs", jobs], tmp_path)
    deadline = time.monotonic() + 300
    while not any(p.suffix == ".txt" for p in out.rglob("*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until it is really cleaning: Ctrl-C during start-up is another story
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole foreground group
    _, err_b = proc.communicate(timeout=120)
    err = err_b.decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert re.search(r"files\s+\d+\s+cleaned \d+", err) and "interrupted" in err
    assert temps(out) == []
    done = files(out)
    assert 0 < len(done) < 240
    full = tmp_path / "full"
    assert main(["clean", str(src), "--out", str(full), "--jobs", "2", "-q"]) == 0
    reference = files(full)
    assert {rel: reference[rel] for rel in done} == done  # what was written is complete


# ============================================================================= failures inside a stage
def _inject_failure(monkeypatch) -> None:
    original = normalize.Stage.__call__

    def failing(self, doc):
        if "EXPLODE" in doc.text:
            raise RuntimeError("injected failure")
        return original(self, doc)

    monkeypatch.setattr(normalize.Stage, "__call__", failing)


@pytest.mark.parametrize("jobs", ["1", "2"])  # forked pool workers inherit the patch
def test_a_failing_stage_is_an_error_for_that_file_only(tmp_path: Path, capfd, monkeypatch, jobs: str) -> None:
    _inject_failure(monkeypatch)
    src = write_tree(tmp_path / "in", {"bad.txt": ("EXPLODE\n\n" + ARTICLE).encode(), "good.txt": ARTICLE.encode(),
                                       "good2.txt": ARTICLE.encode()})
    out = tmp_path / "out"
    rc = main(["clean", str(src), "--out", str(out), "--jobs", jobs])
    err = capfd.readouterr().err
    assert rc == 1
    assert re.search(rf"{re.escape(str(src / 'bad.txt'))}: error: .*stage 'normalize' failed: RuntimeError: injected failure", err)
    assert "Traceback" not in err
    assert files(out) == {"good.txt": ARTICLE.encode(), "good2.txt": ARTICLE.encode()}
    assert re.search(r"errors 1", err)


def test_a_failing_stage_with_debug_shows_the_traceback(tmp_path: Path, monkeypatch) -> None:
    _inject_failure(monkeypatch)
    src = write_tree(tmp_path / "in", {"bad.txt": b"EXPLODE\n"})
    with pytest.raises(StageError) as info:
        main(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1", "--debug"])
    assert isinstance(info.value.__cause__, RuntimeError)


def test_a_failing_stage_on_stdin_is_exit_1_without_traceback(monkeypatch, capsys) -> None:
    _inject_failure(monkeypatch)
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"EXPLODE\n")))
    rc, err = run(["clean", "-"], capsys)
    assert rc == 1 and "stage 'normalize' failed" in err


_FAILING_RUN = """
import sys
from cleaner.stages import normalize
original = normalize.Stage.__call__
def failing(self, doc):
    if "EXPLODE" in doc.text:
        raise RuntimeError("injected failure")
    return original(self, doc)
normalize.Stage.__call__ = failing
from cleaner.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("debug", [False, True])
def test_real_stderr_of_a_failing_pool_run(tmp_path: Path, debug: bool) -> None:
    src = write_tree(tmp_path / "in", {"bad.txt": b"EXPLODE\n", "a.txt": ARTICLE.encode(), "b.txt": ARTICLE.encode()})
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT)}
    args = ["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "2"] + (["--debug"] if debug else [])
    proc = subprocess.run([sys.executable, "-c", _FAILING_RUN, *args], cwd=tmp_path, env=env, capture_output=True,
                          timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "stage 'normalize' failed" in err
    assert ("Traceback" in err) == debug


# ============================================================================= idempotence
def test_cleaning_cleaned_samples_changes_nothing(samples_dir: Path, tmp_path: Path, capsys) -> None:
    if not samples_dir.is_dir():
        pytest.skip("no samples/")
    once, twice = tmp_path / "once", tmp_path / "twice"
    rc, _ = run(["clean", str(samples_dir), "--out", str(once), "--jobs", "2", "-q"], capsys)
    assert rc == 0
    rc, _ = run(["clean", str(once), "--out", str(twice), "--jobs", "2", "-q"], capsys)
    assert rc == 0
    assert files(twice) == files(once)


def _eval_sample(eval_dir: Path, pattern: str, n: int) -> list[Path]:
    everything = sorted(eval_dir.glob(f"*/{pattern}"))
    step = max(1, len(everything) // n)
    return everything[::step][:n]


def _idempotence_failures(paths: list[Path]) -> list[str]:
    pipe = Pipeline.from_config()
    bad = []
    for path in paths:
        first = pipe(Document(id=path.name, raw=path.read_bytes()))
        if first.skipped:
            continue
        for k, d in enumerate((first, *first.stories)):
            again = pipe(Document(id=f"{path.name}.out{k}.txt", raw=d.text.encode("utf-8")))
            if again.text != d.text or again.stories:
                bad.append(f"{path.parent.name}/{path.name}#{k}")
    return bad


@pytest.mark.eval
def test_cleaning_cleaned_eval_texts_changes_nothing(eval_dir: Path) -> None:
    paths = _eval_sample(eval_dir, "*.naive.txt", 200)
    assert len(paths) >= 50
    bad = _idempotence_failures(paths)
    assert not bad, f"{len(bad)}/{len(paths)} not idempotent: {bad[:20]}"


@pytest.mark.eval
def test_a_split_pages_parts_are_what_a_re_clean_leaves(eval_dir: Path) -> None:
    # Pages the stories stage splits whose main part, cleaned alone, loses lines the whole page's
    # line model kept (the parts are shorter pages): the output is that re-clean's, with its edits.
    names = ["wcxb-dev-article/4787.html.gz", "wcxb-dev-article/0397.html.gz", "wcxb-dev-article/4864.html.gz"]
    paths = [eval_dir / n for n in names if (eval_dir / n).exists()]
    if not paths:
        pytest.skip("those eval pages are not there")
    assert not _idempotence_failures(paths)
    if paths[0].name == "4787.html.gz":
        doc = Pipeline.from_config()(Document(id="4787", raw=paths[0].read_bytes()))
        gone = "Other Standing Desk Converters We Tested"  # kept in the whole page, not in the part
        assert doc.stories and gone not in doc.text.split("\n")
        assert any(e.action == "remove" and e.before == gone for e in doc.edits)  # and it says so


@pytest.mark.eval
def test_cleaning_cleaned_eval_html_changes_nothing(eval_dir: Path) -> None:
    paths = _eval_sample(eval_dir, "*.html.gz", 40)
    bad = _idempotence_failures(paths)
    assert not bad, f"{len(bad)}/{len(paths)} not idempotent: {bad[:20]}"


@FUZZ
@given(STRATS["hostile_bytes"], STRATS["names"])
# Found by hypothesis / atheris: ftfy (encoding stage) sees "\r" and control characters that
# normalize only removes after it, so the second pass repairs mojibake the first one could not see.
@example(b"caf\xe9\r\xc4\xa1We use cookies to improve your experience on our site.", "f.txt")
@example(b"\xff" * 11 + b"\x1f\x8b\xfe??\xbd????\xc6?=\x1f\x8bSSSS?\xff\xfd\x1f\x8b\xed\x9d\xed\x1f\x8b\xbd", "f.html")
@example(b"\x8d\xc2\x91", "f.txt")  # the same, the control before the mojibake
@example(b"\xef\xbf\xbd<html>caf\xe9", "f.txt")  # U+FFFD's Windows-1252 reading hid the page start
@example(b"\xe2\x80\xa8<html>\x80", "f.txt")  # mojibake of U+2028 before the tag hid the page start
@example(b"We use cookies to improve your experience on our site.\r\n<html>", "f.txt")  # the tag, left first
@example(b"<\n&#x110000;", "f.txt")  # a removed line's "<" stopped entity decoding below it, until a re-clean
@example(b"\xcd\xac\x8d\xcd\xac\x8d\xb6", "f.txt")  # atheris: the C1 control \x8d splits mojibake until normalize drops it
@example(b"<?xml version='1.0'?>&#x110000;", "f.txt")  # hypothesis: the tag went, its line's entity stayed escaped
@example(b"caf\xe9<html>\xe2\x80\xa8&#x110000;", "f.txt")  # ... or a repaired U+2028 cut the line after the "<"
def test_clean_bytes_never_crashes_and_is_idempotent(data: bytes, name: str) -> None:
    ft.check_clean_bytes(data, name)


@FUZZ
@given(st.binary(max_size=2000))
def test_clean_any_bytes_never_crashes_and_is_idempotent(data: bytes) -> None:
    ft.check_clean_bytes(data)


# ============================================================================= determinism
def _mixed_tree(root: Path) -> Path:
    write_tree(root, {
        "x/crlf.txt": ARTICLE.replace("\n", "\r\n").encode(), "x/latin.txt": LATIN.encode("latin-1"),
        "x/page.html": ("<html><body><nav>Home | News</nav><p>" + P1 + "</p><p>" + P2 + "</p></body></html>").encode(),
        "x/deep/gz.txt.gz": gzip.compress(CP1252.encode("cp1252")), "x/bin.txt": PNG,
        "y/utf16.txt": b"\xff\xfe" + WIDE.encode("utf-16-le"), "y/story.txt": (ARTICLE + "\n" + prose(random.Random(1), 6)).encode(),
        "z.txt": ("We use cookies to improve your experience on our site.\n\n" + ARTICLE).encode(),
    })
    return root


def test_output_is_identical_whatever_jobs_and_input_order(tmp_path: Path, samples_dir: Path, capsys) -> None:
    src = _mixed_tree(tmp_path / "in")
    roots = [str(src / "x"), str(src / "y"), str(src / "z.txt")]
    if samples_dir.is_dir():
        roots.append(str(samples_dir))
    outs = []
    for k, (jobs, order) in enumerate([("1", roots), ("2", roots[::-1]), ("3", roots[1:] + roots[:1]), ("2", roots)]):
        out = tmp_path / f"out{k}"
        rc, _ = run(["clean", *order, "--out", str(out), "--jobs", jobs, "-q"], capsys)
        assert rc == 0
        outs.append(files(out))
    assert outs[0] and all(o == outs[0] for o in outs[1:])


def test_colliding_outputs_of_different_inputs_are_reported_not_lost(tmp_path: Path, capsys) -> None:
    """a/x.txt and b/x.txt given as two SRC folders both map to OUT/x.txt: neither may silently
    win (that would depend on the order given), both are named."""
    src = write_tree(tmp_path / "in", {"a/x.txt": ARTICLE.encode(), "b/x.txt": (P1 + "\n").encode(), "a/y.txt": ARTICLE.encode()})
    results = []
    for order in (["a", "b"], ["b", "a"]):
        out = tmp_path / ("out-" + "".join(order))
        rc, err = run(["clean", *[str(src / o) for o in order], "--out", str(out), "--jobs", "1"], capsys)
        assert rc == 1
        assert str(src / "a" / "x.txt") in err and str(src / "b" / "x.txt") in err
        results.append(files(out))
    assert results[0] == results[1] == {"y.txt": ARTICLE.encode()}


def test_same_file_given_twice_is_cleaned_once(tmp_path: Path, capsys) -> None:
    src = write_tree(tmp_path / "in", {"a.txt": ARTICLE.encode()})
    report = tmp_path / "r.json"
    rc, _ = run(["clean", str(src), str(src / "a.txt"), str(src), "--out", str(tmp_path / "out"), "--report", str(report)], capsys)
    assert rc == 0 and len(json.loads(report.read_text())["files"]) == 1


@pytest.mark.ray
def test_output_is_identical_with_the_ray_engine(tmp_path: Path, capsys) -> None:
    pytest.importorskip("ray")
    src = _mixed_tree(tmp_path / "in")
    outs = []
    for engine in ("local", "ray"):
        out = tmp_path / engine
        rc, _ = run(["clean", str(src), "--out", str(out), "--engine", engine, "--jobs", "2", "-q"], capsys)
        assert rc == 0
        outs.append(files(out))
    assert outs[0] == outs[1]


# ============================================================================= rule files
RULE = ('[[rule]]\nid = "en.test.x"\ncategory = "cookie"\npattern = \'(?i)cookies\'\nmax_words = 20\n'
        'reason = "r"\nexamples = ["We use cookies."]\ncounterexamples = ["The bakery sold many things on Sunday."]\n')
BAD_RULE_FILES = {
    "bad-toml": ("[[rule]\nid = 'en.test.x'\n", ("not valid TOML",)),
    "bad-regex": (RULE.replace("'(?i)cookies'", "'(?i)(cookies'"), ("en.test.x", "bad pattern")),
    "duplicate-id": (RULE + "\n" + RULE, ("en.test.x", "duplicate")),
    "unknown-key": (RULE.replace("max_words", "max_wrods"), ("en.test.x", "max_wrods")),
    "missing-key": (RULE.replace('reason = "r"\n', ""), ("en.test.x", "reason")),
    "rule-not-a-table": ("rule = 5\n", ("rule",)),
    "regex-too-deep": (RULE.replace("'(?i)cookies'", "'" + "(" * 1500 + "x" + ")" * 1500 + "'"), ("en.test.x",)),
    "regex-overflow": (RULE.replace("'(?i)cookies'", "'x{4294967296}'"), ("en.test.x",)),
    "id-with-newline": (RULE.replace('id = "en.test.x"', 'id = "en.test\\nx"'), ("#1", "en.test\\nx")),
}


@pytest.mark.parametrize("name", sorted(BAD_RULE_FILES))
def test_parse_rules_refuses_bad_files_naming_file_and_rule(name: str) -> None:
    text, names = BAD_RULE_FILES[name]
    with pytest.raises(RuleError) as info:
        parse_rules(text, f"{name}.toml")
    msg = str(info.value)
    assert f"{name}.toml" in msg and all(n in msg for n in names), msg


@pytest.mark.parametrize("name", sorted(BAD_RULE_FILES))
def test_rules_lint_exits_2_naming_file_and_rule(tmp_path: Path, capsys, name: str) -> None:
    text, names = BAD_RULE_FILES[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    rc, err = run(["rules", "--lint", str(path)], capsys)
    assert rc == 2
    assert str(path) in err and all(n in err for n in names), err
    assert len(err.splitlines()) == 1, err  # one line, whatever the file holds


def test_rules_lint_reports_failing_examples_on_stderr(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(RULE.replace('examples = ["We use cookies."]', 'examples = ["We bake bread."]'))
    rc = main(["rules", "--lint", str(path)])
    cap = capsys.readouterr()
    assert rc == 2 and cap.out == ""
    assert cap.err == f"cleaner: {path}: rule en.test.x: example does not match: 'We bake bread.'\n"


def test_duplicate_of_a_builtin_rule_id_is_refused_naming_both_files(tmp_path: Path) -> None:
    builtin = load_rules().rules[0]
    path = tmp_path / "mine.toml"
    path.write_text(RULE.replace("en.test.x", builtin.id))
    with pytest.raises(RuleError) as info:
        load_rules([path])
    assert str(path) in str(info.value) and builtin.id in str(info.value) and builtin.source in str(info.value)


@pytest.mark.parametrize("name", ["bad-regex", "rule-not-a-table", "duplicate-id"])
@pytest.mark.parametrize("command", ["clean", "check"])
def test_bad_rule_file_in_config_exits_2(tmp_path: Path, capsys, name: str, command: str) -> None:
    (tmp_path / "bad.toml").write_text(BAD_RULE_FILES[name][0])
    config = tmp_path / "cleaner.toml"
    config.write_text('rule_files = ["bad.toml"]\n')
    src = write_tree(tmp_path / "in", {"a.txt": ARTICLE.encode(), "b.txt": ARTICLE.encode()})
    argv = ["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"] if command == "clean" else \
        ["check", str(src / "a.txt")]
    rc, err = run([*argv, "--config", str(config)], capsys)
    assert rc == 2 and str(tmp_path / "bad.toml") in err


def test_bad_rule_file_in_config_with_a_pool_exits_2_without_hanging(tmp_path: Path) -> None:
    """Built in pool workers, a bad rule file used to make the pool restart them forever."""
    (tmp_path / "bad.toml").write_text(BAD_RULE_FILES["bad-regex"][0])
    (tmp_path / "cleaner.toml").write_text('rule_files = ["bad.toml"]\n')
    src = _corpus(tmp_path / "in", n=6, paragraphs=2)
    proc = cli_subprocess(["clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "2"], tmp_path)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the run hung")
    assert proc.returncode == 2
    assert b"Traceback" not in err and b"bad.toml" in err


@FUZZ
@given(STRATS["rule_file"])
def test_fuzz_rule_loader_only_raises_rule_errors_naming_file_and_rule(case) -> None:
    text, names = case
    ft.check_parse_rules(text, "fuzz.toml", names)


@FUZZ
@given(STRATS["raw_text"])
def test_fuzz_rule_loader_on_any_text(text: str) -> None:
    ft.check_parse_rules(text, "fuzz.toml")


# ============================================================================= the hostile folder
def _make_hostile():
    path = ROOT / "tests" / "hostile" / "make_hostile.py"
    if not path.is_file():
        pytest.skip("tests/hostile/make_hostile.py not present")
    spec = importlib.util.spec_from_file_location("make_hostile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hostile_folder_runs_without_traceback(tmp_path: Path, capfd) -> None:
    """The folder tests/hostile/make_hostile.py builds, through the CLI with a pool, a report, a
    diff and explanations (every output path). many-lines.txt (slow, not hostile) is left to
    benchmarks/hostile_run.py."""
    mh = _make_hostile()
    src = mh.build(tmp_path / "in", bomb_mb=60)
    out, report = tmp_path / "out", tmp_path / "report.json"
    rc = main(["clean", str(src), "--out", str(out), "--jobs", "2", "--report", str(report), "--diff", "--explain",
               "--exclude", "many-lines.txt"])
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert rc in (0, 1)
    got = files(out)
    for name in ("binary.txt", "binary-png.png", "nul-bytes.txt"):
        assert f"{src / name}: skipped (binary)" in captured.err
    assert f"{src / 'bomb.html.gz'}: skipped (too-large)" in captured.err
    assert got["empty.txt"] == b"" and got["whitespace-only.txt"] == b""
    assert "x.txt/inner.txt" in got
    for name in ("crlf.txt", "lone-cr.txt", "mixed-line-ends.txt", "control-chars.txt", "utf16-le-bom.txt",
                 "utf16-be-bom.txt", "utf16-le-nobom.txt", "utf8-bom.txt", "latin1.txt", "cp1252.txt",
                 "broken-unclosed-title.txt", "broken-unclosed-tags.txt", "broken-bogus-entities.txt",
                 "deep-nesting.txt", "long-line-1mb.txt", "invalid-utf8-middle.txt"):
        assert got.get(name), f"{name}: no text came out"
        ft.check_text_invariant(got[name].decode("utf-8"))
    assert "café" in got["latin1.txt"].decode() and "“Quoted”" in got["cp1252.txt"].decode()
    assert "harbour master" in got["broken-unclosed-title.txt"].decode()
    assert "harbour master" in got["deep-nesting.txt"].decode()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"]["files"] >= len(got)


def test_a_dead_writer_not_yet_reaped_leaves_a_temp_to_sweep(tmp_path: Path) -> None:
    import subprocess

    from cleaner.io import _alive, sweep_stale_temps

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    for _ in range(200):  # dead, but not waited for: a zombie
        if not _alive(child.pid):
            break
        time.sleep(0.01)
    assert not _alive(child.pid)
    stale = tmp_path / f".a.txt.{child.pid}.x1{TMP_SUFFIX}"
    stale.write_text("partial")
    assert sweep_stale_temps([tmp_path]) == 1 and not stale.exists()
    child.wait()
    assert _alive(os.getpid())


def test_a_finished_run_sweeps_its_own_leftover_temp(tmp_path: Path) -> None:
    """A Ctrl-C between a temporary file's creation and the guard that removes it leaves one behind
    with this process's id: a live writer's, so only a finished run may sweep it."""
    own = tmp_path / f".a.txt.{os.getpid()}.x1{TMP_SUFFIX}"
    own.write_text("partial")
    assert sweep_stale_temps([tmp_path]) == 0 and own.exists()
    assert sweep_stale_temps([tmp_path], finished=True) == 1 and not own.exists()
