"""The `cleaner` command, called through main(argv) as a user would run it."""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from cleaner.cli import main

ARTICLE = ("The river rose two metres overnight, and the town council opened the school gym as a shelter "
           "for the families who had to leave their homes near the old mill.\n")
DIRTY = "We use cookies to improve your experience on our site.\n\n" + ARTICLE


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "news" / "local").mkdir(parents=True)
    (src / "news" / "local" / "flood.txt").write_text(DIRTY, encoding="utf-8")
    (src / "news" / "page.html").write_text(f"<html><body><p>{ARTICLE}</p></body></html>", encoding="utf-8")
    (src / "clean.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return src


def test_clean_mirrors_tree_and_renames_to_txt(tree: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["clean", str(tree), "--out", str(out), "--jobs", "1"]) == 0
    got = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert got == ["clean.txt", "news/local/flood.txt", "news/page.txt"]
    assert (out / "news/local/flood.txt").read_text(encoding="utf-8") == ARTICLE
    assert (out / "clean.txt").read_bytes() == ARTICLE.encode()
    err = capsys.readouterr().err
    assert "image.txt: skipped (binary)" in err
    assert "files       4" in err and "cookie" in err


def test_inputs_are_never_modified(tree: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    main(["clean", str(tree), "--out", str(tmp_path / "out"), "--jobs", "2", "-q"])
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before


def test_same_output_for_any_number_of_jobs(tree: Path, tmp_path: Path) -> None:
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main(["clean", str(tree), "--out", str(out), "--jobs", jobs, "-q"]) == 0
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1] and outs[0]


def test_out_inside_input_is_refused(tree: Path, capsys) -> None:
    assert main(["clean", str(tree), "--out", str(tree / "cleaned")]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert main(["clean", str(tree), "--out", str(tree)]) == 2
    assert not (tree / "cleaned").exists()


def test_needs_out_or_in_place(tree: Path, capsys) -> None:
    assert main(["clean", str(tree)]) == 2
    assert "--out" in capsys.readouterr().err


def test_single_file_and_report(tree: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "o", tmp_path / "r.json"
    assert main(["clean", str(tree / "news/local/flood.txt"), "--out", str(out), "--report", str(report), "-q"]) == 0
    assert (out / "flood.txt").read_text(encoding="utf-8") == ARTICLE
    data = json.loads(report.read_text(encoding="utf-8"))
    (f,) = data["files"]
    assert f["status"] == "cleaned" and f["rules"]["en.cookie.notice"] == 1
    assert f["removed"]["cookie"] == len("We use cookies to improve your experience on our site.")
    assert f["language"] == "en"
    assert data["summary"]["cleaned"] == 1 and data["config_fingerprint"]


def test_explain_names_rule_and_reason(tree: Path, tmp_path: Path, capsys) -> None:
    main(["clean", str(tree / "news/local/flood.txt"), "--out", str(tmp_path / "o"), "--explain", "-q"])
    err = capsys.readouterr().err
    assert "flood.txt:1: boilerplate/en.cookie.notice (cookie consent notice): remove 'We use cookies" in err


def test_diff_goes_to_stdout(tree: Path, tmp_path: Path, capsys) -> None:
    main(["clean", str(tree / "news/local/flood.txt"), "--out", str(tmp_path / "o"), "--diff", "-q"])
    out = capsys.readouterr().out
    assert "-We use cookies to improve your experience on our site." in out and out.startswith("--- a/flood.txt")


def test_stdin_to_stdout(monkeypatch, capsysbinary) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DIRTY.encode("cp1252"))))
    assert main(["clean", "-"]) == 0
    assert capsysbinary.readouterr().out == ARTICLE.encode()


def test_missing_source_is_an_error_but_run_goes_on(tree: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["clean", str(tree / "nope.txt"), str(tree / "clean.txt"), "--out", str(out), "-q"]) == 1
    assert "nope.txt: error: no such file or folder" in capsys.readouterr().err
    assert (out / "clean.txt").exists()


def test_unknown_config_key_exit_2_names_valid_ones(tree: Path, tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text("[boilerplat]\nrules = false\n", encoding="utf-8")
    assert main(["clean", str(tree), "--out", str(tmp_path / "o"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "boilerplat" in err and "boilerplate" in err and "decode" in err


def test_config_disables_rule(tree: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('disable_rules = ["en.cookie.notice"]\n[boilerplate]\nmodel = false\n', encoding="utf-8")
    out = tmp_path / "o"
    assert main(["clean", str(tree / "news/local/flood.txt"), "--out", str(out), "--config", str(cfg), "-q"]) == 0
    assert (out / "flood.txt").read_text(encoding="utf-8") == DIRTY


def test_lang_filter_skips_other_languages(tmp_path: Path, capsys) -> None:
    src = tmp_path / "s"
    src.mkdir()
    (src / "en.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "de.txt").write_text("Der Fluss stieg über Nacht um zwei Meter, und die Gemeinde öffnete die Turnhalle "
                                "der Schule als Notunterkunft für die Familien aus der Nähe der alten Mühle.\n",
                                encoding="utf-8")
    out = tmp_path / "o"
    assert main(["clean", str(src), "--out", str(out), "--lang", "en", "--jobs", "1"]) == 0
    assert (out / "en.txt").exists() and not (out / "de.txt").exists()
    assert "de.txt: skipped (language:de)" in capsys.readouterr().err


def test_in_place_rewrites_and_keeps_mode(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(DIRTY, encoding="utf-8")
    os.chmod(f, 0o640)
    assert main(["clean", str(f), "--in-place", "-q"]) == 0
    assert f.read_text(encoding="utf-8") == ARTICLE
    assert (f.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_check_and_fix(tmp_path: Path, capsys) -> None:
    dirty, clean = tmp_path / "dirty.txt", tmp_path / "clean.txt"
    dirty.write_text(DIRTY, encoding="utf-8")
    clean.write_text(ARTICLE, encoding="utf-8")
    assert main(["check", str(dirty), str(clean)]) == 1
    cap = capsys.readouterr()
    assert "-We use cookies" in cap.out and "en.cookie.notice" in cap.err
    assert dirty.read_text(encoding="utf-8") == DIRTY
    assert main(["check", str(clean)]) == 0
    assert main(["fix", str(dirty), str(clean)]) == 1
    assert f"Fixing {dirty}" in capsys.readouterr().err
    assert dirty.read_text(encoding="utf-8") == ARTICLE
    assert main(["fix", str(dirty), str(clean)]) == 0


def test_rules_lint(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[[rule]]\nid = 'en.promo.podcast'\ncategory = 'social'\npattern = '(?i)^listen to our podcast'\n"
                    "reason = 'podcast promo'\nexamples = ['Listen to our podcast on any app']\n"
                    "counterexamples = ['She said listen to our podcast guests carefully']\n", encoding="utf-8")
    assert main(["rules", "--lint", str(good)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("^listen", "^(listen"), encoding="utf-8")
    assert main(["rules", "--lint", str(bad)]) == 2
    assert "bad.toml" in capsys.readouterr().err
    assert main(["rules"]) == 0
    assert "en.cookie.notice" in capsys.readouterr().out


def test_bad_arguments_exit_2() -> None:
    assert main(["clean", "--jobs"]) == 2
    assert main(["frobnicate"]) == 2


def test_summary_counts_split_stories(tmp_path: Path, capsys) -> None:
    bundle = Path(__file__).resolve().parents[1] / "samples" / "bundles" / "en-bridge-then-school.txt"
    assert main(["clean", str(bundle), "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["en-bridge-then-school.story2.txt",
                                                                   "en-bridge-then-school.txt"]
    assert "stories     1 bundled story split off" in capsys.readouterr().err


def test_the_boilerplate_stage_s_own_steps_are_explained_and_counted() -> None:
    from cleaner.document import Document, Edit
    from cleaner.report import category_of, explain_lines, summarize_edits
    from cleaner.rules import load_rules

    rules = load_rules()
    thread = Edit("boilerplate", "comments.thread", "remove", before="Great article, thanks!", line=12)
    scored = Edit("boilerplate", "model.line", "remove", before="Most popular", line=3, score=0.04)
    doc = Document(id="a.txt", text="", edits=[scored, thread])
    assert explain_lines(doc, rules) == [
        "a.txt:3: boilerplate/model.line (the line scorer; score 0.04): remove 'Most popular'",
        "a.txt:12: boilerplate/comments.thread (a comment thread under the article): remove 'Great article, thanks!'"]
    assert category_of(thread, rules) == "comments"
    assert summarize_edits(doc, rules)[0] == {"comments": 22, "model": 12}
