"""The pre-commit hooks: `cleaner check` and `cleaner fix`, through main(argv) and through pre-commit."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.cli import main

ARTICLE = ("The ferry service to the island resumed on Monday after three weeks of repairs to the pier, "
           "the harbour office said.\n")
DIRTY = "Skip to main content\n\nWe use cookies to improve your experience on our site.\n\n" + ARTICLE
REPO = Path(__file__).resolve().parents[1]


def test_check_never_writes_and_prints_diff_and_rules(tmp_path: Path, capsys) -> None:
    f = tmp_path / "story.txt"
    f.write_text(DIRTY, encoding="utf-8")
    assert main(["check", str(f)]) == 1
    cap = capsys.readouterr()
    assert cap.out.startswith(f"--- a/{f}") and "-We use cookies" in cap.out
    assert "en.cookie.notice" in cap.err and "would change" in cap.err
    assert f.read_text(encoding="utf-8") == DIRTY


def test_fix_rewrites_only_changed_files_keeps_mode_and_follows_symlinks(tmp_path: Path, capsys) -> None:
    dirty, clean = tmp_path / "dirty.txt", tmp_path / "clean.txt"
    dirty.write_text(DIRTY, encoding="utf-8")
    clean.write_text(ARTICLE, encoding="utf-8")
    os.chmod(dirty, 0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(dirty)
    clean_mtime = clean.stat().st_mtime_ns
    assert main(["fix", str(link), str(clean)]) == 1
    assert f"Fixing {link}" in capsys.readouterr().err
    assert link.is_symlink() and dirty.read_text(encoding="utf-8") == ARTICLE
    assert dirty.stat().st_mode & 0o777 == 0o600
    assert clean.stat().st_mtime_ns == clean_mtime
    assert main(["fix", str(dirty), str(clean)]) == 0


def test_binary_file_is_skipped_not_cleaned(tmp_path: Path, capsys) -> None:
    b = tmp_path / "data.txt"
    b.write_bytes(b"abc\x00\x01\x02" * 10)
    assert main(["fix", str(b)]) == 0
    assert "skipped (binary)" in capsys.readouterr().err
    assert b.read_bytes() == b"abc\x00\x01\x02" * 10


def test_html_is_a_source_its_text_goes_beside_it(tmp_path: Path, capsys) -> None:
    page = tmp_path / "page.html"
    html = f"<html><body><nav>Home | News</nav><p>{ARTICLE}</p></body></html>"
    page.write_text(html, encoding="utf-8")
    assert main(["check", str(page)]) == 1
    assert main(["fix", str(page)]) == 1
    assert page.read_text(encoding="utf-8") == html
    assert (tmp_path / "page.txt").read_text(encoding="utf-8") == ARTICLE
    assert main(["check", str(page)]) == 0


def test_hooks_use_the_corpus_config(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\ndisable_rules = ["en.cookie.notice"]\n'
                                             '[tool.cleaner.boilerplate]\nmodel = false\n', encoding="utf-8")
    f = tmp_path / "a.txt"
    f.write_text("We use cookies to improve your experience on our site.\n\n" + ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "a.txt"]) == 0


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.mark.slow
def test_pre_commit_try_repo_end_to_end(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install '.[test]' installs it)")
    if not (REPO / ".git").exists() or not (REPO / ".pre-commit-hooks.yaml").exists():
        pytest.skip("needs the cleaner git checkout with its .pre-commit-hooks.yaml")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _git(corpus, "init", "-q")
    (corpus / "story.txt").write_text(DIRTY, encoding="utf-8")
    (corpus / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    _git(corpus, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    run = lambda hook: subprocess.run([pre_commit, "try-repo", str(REPO), hook, "--all-files"], cwd=corpus,
                                      capture_output=True, text=True, env=env, timeout=900)
    check = run("cleaner-check")
    if check.returncode not in (0, 1) or "An unexpected error" in check.stdout + check.stderr:
        pytest.skip(f"pre-commit could not install the hook environment here: {check.stdout[-500:]}")
    assert check.returncode == 1, check.stdout
    assert "would change" in check.stdout and "-We use cookies" in check.stdout
    assert (corpus / "story.txt").read_text(encoding="utf-8") == DIRTY
    fix = run("cleaner-fix")
    assert fix.returncode == 1 and "Fixing story.txt" in fix.stdout
    assert (corpus / "story.txt").read_text(encoding="utf-8") == ARTICLE
    assert run("cleaner-check").returncode == 0
