"""Throughput and memory of cleaner, measured against the tools it competes with (issue 6).

    python benchmarks/throughput.py                      # all four figures, README table at the end
    python benchmarks/throughput.py --only text,html --profile
    python benchmarks/throughput.py --limit 0 --runs 5   # every eval file, more runs

Figures (printed, never asserted; the machine's load changes them, so the load average is printed):
  text    all default stages, one process, on scraped plain-text files (NAME.naive.txt) vs
          ftfy.fix_text alone on the same texts: MB/s and docs/s, A and B alternated, medians
  html    the HTML path, one process, on scrapinghub NAME.html.gz pages vs
          trafilatura.extract(html, include_comments=False) (pip install trafilatura; not a dependency)
  jobs    wall time of `cleaner clean DIR --out OUT --jobs 2` vs `--jobs 1` (a fresh process each run)
  memory  peak RSS of a whole `cleaner clean --jobs 1` run on N files vs 10×N files (each run in its own
          wrapper process, read with getrusage(RUSAGE_CHILDREN))
  bigfile (only with --only bigfile) CPU time per page when 10, 40, 160 pages come in one file
  --ray   adds the Ray engine's wall time (private local Ray, start-up included) to the jobs figure
  --profile  per-stage time and cProfile's top functions for the text and the HTML path

Inputs are read from the eval data (default ../shared/eval relative to the checkout) at run time, never
copied into the repo; temporary folders hold symlinks to them.
"""
from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import os
import pstats
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cleaner.config import Config  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402

SETS = ("scrapinghub", "wcxb-dev-article", "dragnet")
TARGETS = {"text": 1.0, "html": 3.0, "jobs": 1.7, "memory": 0.10}


def default_data() -> Path:
    return ROOT.parent / "shared" / "eval"


def sample(data: Path, sets: tuple[str, ...], suffix: str, limit: int) -> list[Path]:
    """Up to `limit` files per set, evenly spaced over its sorted names (0: all): deterministic, and
    not just the first names of a set."""
    out = []
    for s in sets:
        files = sorted((data / s).glob("*" + suffix))
        if limit and len(files) > limit:
            step = len(files) / limit
            files = [files[int(i * step)] for i in range(limit)]
        out += files
    return out


def say(msg: str = "") -> None:
    print(msg, flush=True)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------- timing helpers

def alternate(a, b, runs: int, clock=time.perf_counter) -> tuple[list[float], list[float]]:
    """Run A then B, `runs` times, alternating, so drifting machine load hits both alike. In-process
    figures use this process's CPU time (time.process_time): other work on a shared machine then
    slows neither side; a run of the command is timed on the wall clock."""
    ta, tb = [], []
    for i in range(runs):
        for fn, acc in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            t = clock()
            fn()
            acc.append(clock() - t)
    return ta, tb


def rate(nbytes: int, ndocs: int, seconds: float) -> str:
    return f"{nbytes / 1e6 / seconds:.2f} MB/s, {ndocs / seconds:.1f} docs/s (CPU)"


# ---------------------------------------------------------------- (a) text path

def inputs_text(paths: list[Path]) -> list[tuple[str, bytes]]:
    return [(f"{p.parent.name}/{p.name}", p.read_bytes()) for p in paths]


def run_pipeline(pipeline: Pipeline, docs: list[tuple[str, bytes]]) -> None:
    for doc_id, data in docs:
        pipeline(Document(id=doc_id, raw=data))


def fresh_pipelines(docs: list[tuple[str, bytes]], runs: int):
    """One pipeline per timed run, built and warmed (Pipeline.warm: language profiles, the model)
    before the clock starts, after a warm-up run (lazy imports). Fresh for each run: what the
    stages remember across documents (cleaner.memo) must not carry over from one run to the next."""
    run_pipeline(Pipeline.from_config(Config()), docs[:5])
    return iter([Pipeline.from_config(Config()).warm() for _ in range(runs)])


def bench_text(paths: list[Path], runs: int) -> dict:
    import ftfy

    docs = inputs_text(paths)
    texts = [d.decode("utf-8", "replace") for _, d in docs]
    fresh = fresh_pipelines(docs, runs)
    [ftfy.fix_text(t) for t in texts[:5]]
    ta, tb = alternate(lambda: run_pipeline(next(fresh), docs), lambda: [ftfy.fix_text(t) for t in texts], runs,
                       time.process_time)
    nbytes = sum(len(d) for _, d in docs)
    a, b = statistics.median(ta), statistics.median(tb)
    return {"name": "text", "docs": len(docs), "bytes": nbytes, "a": a, "b": b, "ratio": b / a,
            "ta": ta, "tb": tb, "ref": f"ftfy {ftfy.__version__} fix_text"}


def bench_bigfile(data: Path, runs: int, sizes: tuple[int, ...] = (10, 40, 160)) -> dict:
    """CPU time per page when N scraped pages come glued into one file (a bundle of stories, a
    dump), for growing N: flat means a file's size does not make each of its pages dearer (no step
    scans the rest of the file for each line or each candidate). Not one of the issue's four
    figures: `--only bigfile`."""
    files = sorted((data / "wcxb-dev-article").glob("*.naive.txt"))
    per_page = {}
    for n in sizes:
        blob = [("bundle.txt", b"\n\n".join(p.read_bytes() for p in files[:n]))]
        fresh = fresh_pipelines(inputs_text(files[:5]), runs)  # (warmed on pages, not on the big file)
        times = []
        for _ in range(runs):
            pipeline = next(fresh)
            t = time.process_time()
            run_pipeline(pipeline, blob)
            times.append(time.process_time() - t)
        per_page[n] = (statistics.median(times) / n, len(blob[0][1]))
    return {"name": "bigfile", "per_page": per_page}


# ---------------------------------------------------------------- (b) HTML path

def inputs_html(paths: list[Path]) -> list[tuple[str, bytes]]:
    # Decompressed once here: both tools get the same HTML bytes (neither pays for gzip).
    return [(f"{p.parent.name}/{p.name[:-3]}", gzip.decompress(p.read_bytes())) for p in paths]


def bench_html(paths: list[Path], runs: int) -> dict:
    try:
        import trafilatura
    except ImportError as e:
        return {"name": "html", "error": f"trafilatura is not installed ({e}); pip install trafilatura"}
    docs = inputs_html(paths)

    def traf() -> None:
        for _, html in docs:
            trafilatura.extract(html, include_comments=False)

    fresh = fresh_pipelines(docs, runs)
    for _, html in docs[:5]:
        trafilatura.extract(html, include_comments=False)
    ta, tb = alternate(lambda: run_pipeline(next(fresh), docs), traf, runs, time.process_time)
    nbytes = sum(len(d) for _, d in docs)
    a, b = statistics.median(ta), statistics.median(tb)
    return {"name": "html", "docs": len(docs), "bytes": nbytes, "a": a, "b": b, "ratio": b / a,
            "ta": ta, "tb": tb, "ref": f"trafilatura {trafilatura.__version__} extract"}


# ---------------------------------------------------------------- (c) --jobs 2 vs --jobs 1

def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cleaner.cli", *args]


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([e["PYTHONPATH"]] if e.get("PYTHONPATH") else []))
    e.pop("RAY_ADDRESS", None)
    return e


def link_folder(paths: list[Path], folder: Path, copies: int = 1) -> Path:
    """A folder of symlinks to the inputs (`copies` times over, in subfolders c0, c1, ...)."""
    for c in range(copies):
        for p in paths:
            dst = folder / f"c{c}" / p.parent.name / p.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(p)
    return folder


_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "wall = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "sys.stderr.buffer.write(r.stderr[-2000:]); print(r.returncode, wall, u.ru_utime + u.ru_stime, u.ru_maxrss)")


def measure(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of every process of the run, peak RSS in KB of its largest process)
    of one run of a command, in a fresh wrapper process: RUSAGE_CHILDREN adds up (and takes the
    maximum RSS over) every child a process ever waited for, so each run needs its own parent."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *args], env=env(), capture_output=True, text=True)
    fields = out.stdout.split()
    if out.returncode != 0 or len(fields) != 4 or fields[0] not in ("0", "1"):  # 1: some input failed
        raise SystemExit(f"failed: {shlex.join(args)}\n{out.stdout}{out.stderr[-2000:]}")
    return float(fields[1]), float(fields[2]), int(fields[3])


def bench_jobs(paths: list[Path], runs: int, with_ray: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
        src = link_folder(paths, Path(tmp) / "src")
        out = Path(tmp) / "out"
        cpu: dict[int, list[float]] = {1: [], 2: []}

        def run(jobs: int, *extra: str):
            def go() -> None:
                wall, c, _ = measure(cli("clean", str(src), "--out", str(out), "--jobs", str(jobs), "-q", *extra))
                cpu.setdefault(jobs if not extra else -jobs, []).append(c)
                walls.append(wall)
            return go

        walls: list[float] = []
        ta, tb = [], []
        for i in range(runs):  # alternated, wall clock of the whole command
            for jobs, acc in ((2, ta), (1, tb)) if i % 2 == 0 else ((1, tb), (2, ta)):
                run(jobs)()
                acc.append(walls[-1])
        res = {"name": "jobs", "docs": len(paths), "bytes": sum(p.stat().st_size for p in paths),
               "a": statistics.median(ta), "b": statistics.median(tb), "ta": ta, "tb": tb,
               "cpu2": statistics.median(cpu[2]), "cpu1": statistics.median(cpu[1]),
               "ref": "--jobs 1", "cpus": os.cpu_count()}
        res["ratio"] = res["b"] / res["a"]
        if with_ray:
            ray_walls = []
            for _ in range(max(1, runs // 2)):
                run(2, "--engine", "ray")()
                ray_walls.append(walls[-1])
            res["ray"] = ray_walls
    return res


# ---------------------------------------------------------------- (d) memory

def bench_memory(paths: list[Path], runs: int) -> dict:
    small, large = [], []
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
        s = link_folder(paths, Path(tmp) / "small")
        l = link_folder(paths, Path(tmp) / "large", copies=10)
        for i in range(runs):
            for folder, acc in ((s, small), (l, large)) if i % 2 == 0 else ((l, large), (s, small)):
                acc.append(measure(cli("clean", str(folder), "--out", str(Path(tmp) / f"out{i}"),
                                       "--jobs", "1", "-q"))[2])
    a, b = statistics.median(large), statistics.median(small)
    return {"name": "memory", "docs": len(paths), "a": a, "b": b, "growth": a / b - 1, "ta": large, "tb": small}


# ---------------------------------------------------------------- profile

class _Timed:
    """A stage wrapper that adds up the time spent in the stage (stories included)."""

    def __init__(self, stage, totals: dict):
        self.stage, self.name, self.totals = stage, stage.name, totals

    def __call__(self, doc):
        t = time.process_time()
        try:
            return self.stage(doc)
        finally:
            self.totals[self.name] = self.totals.get(self.name, 0.0) + time.process_time() - t


def profile(label: str, docs: list[tuple[str, bytes]], top: int = 10) -> str:
    pipeline = Pipeline.from_config(Config())
    run_pipeline(pipeline, docs[:3])
    totals: dict[str, float] = {}
    pipeline.stages = [_Timed(s, totals) for s in pipeline.stages]
    t = time.process_time()
    run_pipeline(pipeline, docs)
    wall = time.process_time() - t
    lines = [f"### {label}: {len(docs)} docs, {wall:.2f} CPU s without the profiler", "",
             "| stage | CPU seconds | share |", "|---|---:|---:|"]
    for name, sec in sorted(totals.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {sec:.2f} | {sec / wall:.0%} |")
    prof = cProfile.Profile()
    prof.enable()
    run_pipeline(pipeline, docs)
    prof.disable()
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        st.print_stats(top if key == "tottime" else top + 25)
        body = buf.getvalue()
        body = body[body.index("ncalls"):] if "ncalls" in body else body
        if key == "cumulative":  # keep cleaner's own functions: where the time goes, per step
            head, *rows = body.splitlines()
            rows = [r for r in rows if any(m in r for m in ("boilerplate", "html.py", "encoding.py", "normalize",
                                                            "stories", "language", "decode", "linemodel", "rules"))]
            body = "\n".join([head] + rows[:top])
        lines += ["", f"cProfile top {top} by {key}:", "```", body.rstrip(), "```"]
    return "\n".join(lines)


# ---------------------------------------------------------------- report

def table(results: list[dict]) -> str:
    rows = ["| figure (one run, medians of A/B alternated) | cleaner | reference | ratio | target |",
            "|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['name']} | — | {r['error']} | — | — |")
        elif r["name"] in ("text", "html"):
            what = ("text path, all default stages, 1 process" if r["name"] == "text"
                    else "HTML path, all default stages, 1 process")
            rows.append(f"| {what} ({r['docs']} files, {r['bytes'] / 1e6:.1f} MB) | {rate(r['bytes'], r['docs'], r['a'])} "
                        f"| {r['ref']}: {rate(r['bytes'], r['docs'], r['b'])} | **{r['ratio']:.2f}×** "
                        f"| ≥ {TARGETS[r['name']]:.1f}× |")
        elif r["name"] == "jobs":
            extra = f"; Ray engine --jobs 2: {statistics.median(r['ray']):.1f} s" if r.get("ray") else ""
            rows.append(f"| `--jobs 2` vs `--jobs 1` wall time ({r['docs']} files, {r['cpus']} cores{extra}; "
                        f"CPU of all processes {r['cpu2']:.1f} s vs {r['cpu1']:.1f} s) "
                        f"| {r['a']:.1f} s | {r['b']:.1f} s | **{r['ratio']:.2f}×** | ≥ {TARGETS['jobs']}× |")
        elif r["name"] == "bigfile":
            sizes = " / ".join(f"{n} pages ({b / 1e6:.1f} MB): {t * 1000:.0f} ms" for n, (t, b) in r["per_page"].items())
            rows.append(f"| one file of N scraped pages glued together, CPU per page | {sizes} | | | flat |")
        elif r["name"] == "memory":
            rows.append(f"| peak RSS, whole run `--jobs 1`: {r['docs'] * 10} files vs {r['docs']} files "
                        f"| {r['a'] / 1024:.0f} MB | {r['b'] / 1024:.0f} MB | **{r['growth']:+.1%}** "
                        f"| < +{TARGETS['memory']:.0%} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data(), help="eval data (default ../shared/eval)")
    ap.add_argument("--only", default="text,html,jobs,memory",
                    help="comma-separated: text,html,jobs,memory (the issue's figures), bigfile")
    ap.add_argument("--runs", type=int, default=3, help="runs of each side (median; at least 3)")
    ap.add_argument("--limit", type=int, default=120, help="plain-text files per set for text and jobs (0: all)")
    ap.add_argument("--html-limit", type=int, default=0, help="scrapinghub pages for html (0: all 181)")
    ap.add_argument("--memory-files", type=int, default=40, help="N for the memory figure (N vs 10×N files)")
    ap.add_argument("--ray", action="store_true", help="also time the Ray engine in the jobs figure")
    ap.add_argument("--profile", action="store_true", help="per-stage times and cProfile top functions")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"eval data not found at {args.data} (use --data)", file=sys.stderr)
        return 2
    only = set(args.only.split(","))
    runs = max(3, args.runs)
    text_files = sample(args.data, SETS, ".naive.txt", args.limit)
    html_files = sample(args.data, ("scrapinghub",), ".html.gz", args.html_limit)
    say(f"# cleaner throughput — python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load()}")
    results = []
    if "text" in only:
        say(f"text: {len(text_files)} plain-text files ...")
        results.append(bench_text(text_files, runs))
    if "html" in only:
        say(f"html: {len(html_files)} pages ...")
        results.append(bench_html(html_files, runs))
    if "jobs" in only:
        say(f"jobs: {len(text_files)} files, --jobs 1 and 2 ...")
        results.append(bench_jobs(text_files, runs, args.ray))
    if "memory" in only:
        n = sample(args.data, SETS, ".naive.txt", max(1, args.memory_files // len(SETS)))
        say(f"memory: {len(n)} vs {10 * len(n)} files ...")
        results.append(bench_memory(n, runs))
    if "bigfile" in only:
        say("bigfile: 10, 40 and 160 pages in one file ...")
        results.append(bench_bigfile(args.data, runs))
    for r in results:
        if "ta" in r:
            say(f"  {r['name']}: A {['%.2f' % x for x in r['ta']]}  B {['%.2f' % x for x in r['tb']]}")
    say(f"load after: {load()}")
    say("")
    say(table(results))
    say("")
    say("Command: `" + shlex.join(["python", "benchmarks/throughput.py", *(argv if argv is not None else sys.argv[1:])]) + "`")
    if args.profile:
        say("")
        say(profile("text path", inputs_text(text_files)))
        say("")
        say(profile("HTML path", inputs_html(html_files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
