"""JSONL records in and out, and --resume."""
from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

from cleaner.cli import main

PROSE = "The council met on Tuesday and approved the budget for the new library on the harbour front."


def records(n: int) -> list[dict]:
    return [{"id": f"r{i}", "url": f"https://example.org/{i}", "n": i, "f": i / 3, "ok": i % 2 == 0,
             "tags": ["a", {"b": None}], "ünï": "çødé", "text": f"We use cookies to improve your experience.\n\n{PROSE} ({i})"}
            for i in range(n)]


def write_jsonl(path: Path, recs: list[dict]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def test_jsonl_round_trip_keeps_every_other_field(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in"
    src.mkdir()
    recs = records(10_000)
    write_jsonl(src / "part-0.jsonl.gz", recs)
    out = tmp_path / "out"
    assert main(["clean", "--format", "jsonl", str(src), "--out", str(out), "-q"]) == 0
    with gzip.open(out / "part-0.jsonl.gz", "rt", encoding="utf-8") as f:
        got = [json.loads(line) for line in f]
    assert len(got) == len(recs)
    for before, after in zip(recs, got):
        meta = after.pop("cleaner")
        text = after.pop("text")
        assert after == {k: v for k, v in before.items() if k != "text"}
        assert text == f"{PROSE} ({before['n']})\n"
        assert meta["language"] == "en" and meta["removed"]["cookie"] > 0 and meta["stories"] == 1


def test_jsonl_stdin_passes_bad_lines_through(monkeypatch, capsys) -> None:
    lines = ['{"text": "Hello   there"}\n', "not json\n", '{"body": "no text field"}\n', '{"text": "Bye"}\n']
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("".join(lines).encode())))
    assert main(["clean", "--format", "jsonl", "-", "-q"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[0])["text"] == "Hello there\n"
    assert out[1] == "not json" and out[2] == '{"body": "no text field"}'
    assert json.loads(out[3])["text"] == "Bye\n"


def test_jsonl_custom_field_and_lang_filter(tmp_path: Path, monkeypatch, capsys) -> None:
    recs = [{"body": PROSE, "k": 1},
            {"body": "Der Stadtrat hat am Dienstag den Haushalt für die neue Bibliothek am Hafen beschlossen.", "k": 2}]
    data = "".join(json.dumps(r) + "\n" for r in recs)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    assert main(["clean", "--format", "jsonl", "--text-field", "body", "--lang", "de", "-"]) == 0
    cap = capsys.readouterr()
    (line,) = cap.out.splitlines()
    assert json.loads(line)["k"] == 2 and "skipped 1" in cap.err


def test_resume_skips_up_to_date_inputs(tmp_path: Path, capsys) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(f"{PROSE} {i}\n", encoding="utf-8")
    assert main(["clean", str(src), "--out", str(out), "--resume", "--jobs", "1"]) == 0
    assert "up to date" not in capsys.readouterr().err
    (src / "1.txt").write_text(f"{PROSE} changed\n", encoding="utf-8")
    (out / "2.txt").unlink()
    report = tmp_path / "r.json"
    assert main(["clean", str(src), "--out", str(out), "--resume", "--jobs", "1", "--report", str(report)]) == 0
    status = {f["id"]: f["status"] for f in json.loads(report.read_text())["files"]}
    assert status == {"0.txt": "current", "1.txt": "unchanged", "2.txt": "unchanged"}
    assert (out / "1.txt").read_text(encoding="utf-8") == f"{PROSE} changed\n"
    # a different config is a different fingerprint: nothing is current any more
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text("[normalize]\nnfc = false\n", encoding="utf-8")
    assert main(["clean", str(src), "--out", str(out), "--resume", "--config", str(cfg), "--report", str(report), "-q"]) == 0
    assert {f["status"] for f in json.loads(report.read_text())["files"]} == {"unchanged"}
