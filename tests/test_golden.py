"""Golden tests: every sample and every tricky case against its hand-written expected output.

Layout (a missing story file means the document must NOT be split):
  samples/<dir>/<name>.<ext>                       dirty input, described in samples/README.md
  tests/golden/samples/<dir>/<name>.txt            expected main output (the CLI's output name)
  tests/golden/samples/<dir>/<name>.story<k>.txt   expected k-th bundled story, k = 2, 3, ...
  tests/golden/cases/NAME.in.txt | NAME.in.html    a small tricky input
  tests/golden/cases/NAME.out.txt                  its expected main output
  tests/golden/cases/NAME.out.story<k>.txt         its expected k-th bundled story

The expected files are the specification of correct behaviour, written by hand. After a reviewed
behaviour change, `python tests/test_golden.py --regen [FILTER...]` rewrites them from the current
output and lists what changed (FILTER: substrings of sample paths or case names). Read that diff:
regenerating to make a red test green defeats the point.
"""
from __future__ import annotations

import difflib
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"
CASES = GOLDEN / "cases"
CLEAN_SAMPLE = "clean/en-allotments-clean.txt"  # must come out byte-identical


def output_rel(rel: str) -> str:
    """The CLI's output name (DESIGN.md): `a/b.html` -> `a/b.txt`, `a/b.html.gz` -> `a/b.txt`."""
    head, _, name = rel.rpartition("/")
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, _ = name.rpartition(".")
    return (head + "/" if head else "") + (stem if dot and stem else name) + ".txt"


def sample_inputs() -> list[str]:
    return sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*")
                  if p.is_file() and p.name != "README.md")


def case_names() -> list[str]:
    return sorted(p.name.split(".in.")[0] for p in CASES.glob("*.in.*"))


def case_input(name: str) -> Path:
    (path,) = CASES.glob(f"{name}.in.*")
    return path


def sample_expected(rel: str) -> tuple[Path, str]:
    """(main expected file, prefix of its story files)."""
    main = GOLDEN / "samples" / output_rel(rel)
    return main, str(main)[: -len(".txt")] + ".story"


def case_expected(name: str) -> tuple[Path, str]:
    return CASES / f"{name}.out.txt", str(CASES / f"{name}.out.story")


def story_files(prefix: str) -> list[Path]:
    """The existing story files for a prefix, in order story2, story3, ... (stops at the first gap)."""
    out, k = [], 2
    while Path(f"{prefix}{k}.txt").exists():
        out.append(Path(f"{prefix}{k}.txt"))
        k += 1
    return out


def all_expected_files() -> list[Path]:
    return sorted([*(GOLDEN / "samples").rglob("*.txt"), *CASES.glob("*.out*.txt")])


def _visible(line: str) -> str:
    """Show invisible characters (controls, format characters, odd spaces) so a diff explains itself."""
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and (unicodedata.category(c)[0] == "C" or c in "\u00a0\u3000")
                   else c for c in line)


def _diff(want: str, got: str, label: str) -> str:
    lines = difflib.unified_diff([_visible(x) + "\n" for x in want.splitlines()],
                                 [_visible(x) + "\n" for x in got.splitlines()],
                                 f"expected {label}", "got", n=1)
    text = "".join(lines)
    if not text:  # only line ends / final newline differ
        text = f"expected {want[-20:]!r} at the end, got {got[-20:]!r}"
    return text


def _run(data: bytes, doc_id: str):
    import cleaner

    return cleaner.clean(data, doc_id=doc_id)


def check(data: bytes, doc_id: str, main: Path, story_prefix: str) -> None:
    doc = _run(data, doc_id)
    assert not doc.skipped, f"{doc_id} was skipped: {doc.metadata.get('skip_reason')}"
    want = [(main, main.read_text(encoding="utf-8"))] + [(p, p.read_text(encoding="utf-8"))
                                                         for p in story_files(story_prefix)]
    got = [doc.text] + [s.text for s in doc.stories]
    problems = []
    for i, (path, text) in enumerate(want):
        label = path.relative_to(ROOT).as_posix()
        if i >= len(got):
            problems.append(f"missing story {i + 1} (expected {label})")
        elif got[i] != text:
            problems.append(_diff(text, got[i], label))
    for extra in got[len(want):]:
        problems.append(f"unexpected extra story (a false split?) starting: {extra[:200]!r}")
    if problems:
        pytest.fail(f"{doc_id}:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("rel", sample_inputs())
def test_sample(rel: str) -> None:
    main, prefix = sample_expected(rel)
    assert main.exists(), f"no expected output for samples/{rel}: write {main.relative_to(ROOT)} by hand"
    check((SAMPLES / rel).read_bytes(), rel, main, prefix)


@pytest.mark.parametrize("name", case_names())
def test_case(name: str) -> None:
    src = case_input(name)
    main, prefix = case_expected(name)
    assert main.exists(), f"no expected output for {src.name}: write {main.name} by hand"
    check(src.read_bytes(), src.name, main, prefix)


@pytest.mark.parametrize("path", all_expected_files(), ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_expected_output_is_a_fixed_point(path: Path) -> None:
    """Cleaning a correct output changes nothing and splits nothing (idempotence on the spec)."""
    text = path.read_text(encoding="utf-8")
    doc = _run(path.read_bytes(), path.relative_to(GOLDEN).as_posix())
    assert not doc.skipped, doc.metadata.get("skip_reason")
    if doc.text != text:
        pytest.fail(_diff(text, doc.text, path.relative_to(ROOT).as_posix()), pytrace=False)
    assert doc.stories == [], "a correct single story was split again"


def test_clean_sample_is_byte_identical() -> None:
    data = (SAMPLES / CLEAN_SAMPLE).read_bytes()
    doc = _run(data, CLEAN_SAMPLE)
    assert doc.text.encode("utf-8") == data
    assert doc.stories == []
    assert [e for e in doc.edits if e.action in ("remove", "replace", "split")] == []


@pytest.mark.parametrize("path", all_expected_files(), ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_expected_file_is_canonical(path: Path) -> None:
    """The hand-written specs themselves obey the output contract: UTF-8, NFC, LF, no trailing
    spaces, at most one blank line in a row, none at either end, exactly one final newline."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    if not text:
        return
    assert "\r" not in text and "\ufeff" not in text
    assert unicodedata.normalize("NFC", text) == text
    assert text.endswith("\n") and not text.endswith("\n\n") and not text.startswith("\n")
    assert "\n\n\n" not in text
    for line in text.split("\n"):
        assert line == line.strip(), f"stray whitespace in {line!r}"
        assert not any(unicodedata.category(c) == "Cc" for c in line), f"control character in {line!r}"


def test_every_input_has_expected_and_no_orphans() -> None:
    wanted = {sample_expected(r)[0] for r in sample_inputs()} | {case_expected(n)[0] for n in case_names()}
    stories = {p for r in sample_inputs() for p in story_files(sample_expected(r)[1])}
    stories |= {p for n in case_names() for p in story_files(case_expected(n)[1])}
    missing = sorted(str(p.relative_to(ROOT)) for p in wanted if not p.exists())
    orphans = sorted(str(p.relative_to(ROOT)) for p in set(all_expected_files()) - wanted - stories)
    assert not missing, f"inputs without an expected output: {missing}"
    assert not orphans, f"expected files with no input (or a gap in story numbering): {orphans}"


def test_samples_readme_lists_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    listed = {cell.strip().strip("`") for row in readme.splitlines() if row.startswith("| `")
              for cell in row.split("|")[1:2]}
    assert listed == set(sample_inputs())
    assert CLEAN_SAMPLE in listed


def test_samples_cover_the_promised_shapes() -> None:
    """samples/ must keep at least one file of each kind issue #2 promises."""
    files = sample_inputs()
    raw = {r: (SAMPLES / r).read_bytes() for r in files}
    assert len(files) >= 12
    assert any(r.endswith((".html", ".htm")) for r in files)
    assert any(b"\xc3\x83\xc2\xa9" in d or b"\xc3\xa2\xe2\x82\xac" in d for d in raw.values()), "mojibake"
    assert any(d.startswith((b"\xff\xfe", b"\xfe\xff")) for d in raw.values()), "UTF-16 with BOM"
    legacy = [r for r, d in raw.items() if not d.startswith((b"\xff\xfe", b"\xfe\xff"))
              and _not_utf8(d)]
    assert legacy, "a legacy 8-bit file"
    assert any(r.split("/")[-1].startswith("de-") for r in files)
    assert any(r.split("/")[-1].startswith("fr-") for r in files)
    assert any(story_files(sample_expected(r)[1]) for r in files), "a bundled second story"


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# --- maintenance ------------------------------------------------------------------------------

def _write_expected(doc, main: Path, prefix: str) -> list[str]:
    changed = []
    texts = [doc.text] + [s.text for s in doc.stories]
    targets = [main] + [Path(f"{prefix}{k}.txt") for k in range(2, len(texts) + 1)]
    for path, text in zip(targets, texts):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(f"wrote   {path.relative_to(ROOT)}")
    for stale in story_files(prefix)[len(texts) - 1:]:
        stale.unlink()
        changed.append(f"removed {stale.relative_to(ROOT)}")
    return changed


def regen(filters: list[str]) -> int:
    """Rewrite expected files from the current pipeline output; prints each file it touches."""
    def wanted(key: str) -> bool:
        return not filters or any(f in key for f in filters)

    changed: list[str] = []
    for rel in filter(wanted, sample_inputs()):
        changed += _write_expected(_run((SAMPLES / rel).read_bytes(), rel), *sample_expected(rel))
    for name in filter(wanted, case_names()):
        src = case_input(name)
        changed += _write_expected(_run(src.read_bytes(), src.name), *case_expected(name))
    print("\n".join(changed) or "nothing changed")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--regen":
        print(__doc__, file=sys.stderr)
        print("usage: python tests/test_golden.py --regen [FILTER...]", file=sys.stderr)
        return 2
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return regen(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
