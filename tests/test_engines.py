"""Engines: the local pool and Ray produce the same output bytes, messages and result order as one
process does. Ray tests are marked `ray` (deselect with -m 'not ray') and skip when Ray is absent."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner
from cleaner.config import Config
from cleaner.engines import local
from cleaner.engines.work import RunOptions
from cleaner.io import plan

HAVE_RAY = importlib.util.find_spec("ray") is not None

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.fixture
def corpus(tmp_path: Path, samples_dir: Path) -> Path:
    """The samples three times over in nested folders, plus a binary file: enough files that two
    workers get many shards each, with text, HTML, legacy encodings, bundled stories and a skip."""
    src = tmp_path / "src"
    for copy in ("a", "b/c", "d"):
        shutil.copytree(samples_dir, src / copy)
    (src / "b" / "logo.txt").write_bytes(BINARY)
    return src


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The command as a user runs it, in a fresh process: stderr is captured at the file-descriptor
    level, so anything Ray's processes print there is seen too."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(cleaner.__file__).resolve().parent.parent)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "cleaner.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_shards_cover_every_item_once_in_order() -> None:
    items = list(range(1000))
    for jobs in (1, 2, 7):
        parts = local.shards(items, jobs)
        assert [x for part in parts for x in part] == items
        assert len(parts) >= jobs * 2  # every worker gets several shards: none idles at the end
        assert max(len(p) for p in parts) <= 64
    assert local.shards([], 2) == []
    assert local.shards([1], 4) == [[1]]


def test_local_engine_same_bytes_for_one_and_two_jobs(corpus: Path, tmp_path: Path) -> None:
    outs, errs = [], []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        r = run_cli(["clean", "src", "--out", out.name, "--jobs", jobs], cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        outs.append(tree(out))
        errs.append(r.stderr)
    assert outs[0] == outs[1]
    assert len(outs[0]) >= 3 * 15  # every sample cleaned (bundles add story files)
    assert errs[0] == errs[1]  # messages in input order whatever the number of workers
    assert "logo.txt: skipped (binary)" in errs[0]


def test_local_run_jobs_results_in_input_order(corpus: Path, tmp_path: Path) -> None:
    jobs = plan([str(corpus)], tmp_path / "out", [])
    seen: list[str] = []
    local.run_jobs(Config(), jobs, RunOptions(), 2, lambda r: seen.append(r.id))
    assert seen == [j.rel for j in jobs]


@pytest.mark.ray
@pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'cleaner[ray]')")
def test_ray_engine_same_bytes_and_messages_as_local(corpus: Path, tmp_path: Path) -> None:
    local_run = run_cli(["clean", "src", "--out", "out_local", "--jobs", "2"], cwd=tmp_path)
    ray_run = run_cli(["clean", "src", "--out", "out_ray", "--jobs", "2", "--engine", "ray"], cwd=tmp_path)
    assert local_run.returncode == 0, local_run.stderr
    assert ray_run.returncode == 0, ray_run.stderr
    assert tree(tmp_path / "out_ray") == tree(tmp_path / "out_local") != {}
    # Same messages, same order, and nothing else: Ray's own logging stays off stderr.
    assert ray_run.stderr == local_run.stderr
    assert ray_run.stdout == ""


@pytest.mark.ray
@pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'cleaner[ray]')")
def test_ray_results_in_input_order_and_interrupt_stops_the_run(corpus: Path, tmp_path: Path) -> None:
    import ray

    from cleaner.engines import ray as ray_engine

    assert not ray.is_initialized()
    jobs = plan([str(corpus)], tmp_path / "out", [])
    got: list[str] = []

    def ctrl_c_near_the_end(r) -> None:  # Ctrl-C arriving in the driver while results come in
        got.append(r.id)
        if len(got) == len(jobs) - 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ray_engine.run_jobs(Config(), jobs, RunOptions(), 2, ctrl_c_near_the_end)
    # Many shards on two actors finish out of order; the driver hands them over in input order.
    assert got == [j.rel for j in jobs[:-1]]
    assert not ray.is_initialized()  # the private Ray started for the run is shut down, even so


@pytest.mark.ray
@pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'cleaner[ray]')")
def test_ray_worker_with_other_rules_refuses_to_work() -> None:
    from cleaner.engines.ray import _ShardWorker

    other = _ShardWorker(Config(), RunOptions(), "0" * 16)  # the driver's fingerprint differs
    assert "install the same cleaner" in other.ready()
    worker = _ShardWorker(Config(), RunOptions(write=False), Config().fingerprint())
    assert worker.ready() == ""


def test_warm_loads_what_stages_load_on_first_use():
    from cleaner import linemodel
    from cleaner.config import Config
    from cleaner.pipeline import Pipeline

    linemodel._models.cache_clear()
    pipeline = Pipeline.from_config(Config())
    assert pipeline.warm() is pipeline
    assert linemodel._models.cache_info().currsize == 1
    language = next(s for s in pipeline.stages if s.name == "language")
    assert language._factory is not None
