"""What stages remember across documents (cleaner.memo) never changes an output: a pipeline that
has cleaned other files first gives the same bytes and edits as a fresh one."""
from __future__ import annotations

from pathlib import Path

import cleaner
from cleaner.config import Config
from cleaner.memo import Memo

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _outputs(pipeline, path: Path):
    doc = pipeline(cleaner.Document(id=path.name, raw=path.read_bytes()))
    return doc.text, doc.edits, [(s.text, s.edits) for s in doc.stories]


def test_a_warm_pipeline_cleans_like_a_fresh_one():
    paths = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "README.md")
    assert len(paths) > 5
    warm = cleaner.Pipeline.from_config(Config())
    for p in reversed(paths):
        _outputs(warm, p)
    for p in paths:
        assert _outputs(warm, p) == _outputs(cleaner.Pipeline.from_config(Config()), p), p.name


def test_memo_forgets_its_oldest_half_when_full():
    m = Memo(4)
    for k in range(4):
        m[k] = k * k
    assert list(m) == [0, 1, 2, 3]
    m[4] = 16
    assert list(m) == [3, 4] and m[4] == 16
    m[3] = 10  # an update of a key still there
    assert m[3] == 10 and len(m) <= 4
    for k in range(100):
        m[k] = k
    assert len(m) <= 4 and m[99] == 99
