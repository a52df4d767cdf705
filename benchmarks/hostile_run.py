"""Run the `cleaner` CLI over a folder of hostile files and say what happened to each (issue 7).

    python benchmarks/hostile_run.py [--keep DIR] [--large-mb 100] [--jobs 2] [--bomb-mb 60]

Builds the folder with tests/hostile/make_hostile.py (plus a few cases of our own, below), runs
`cleaner clean` on it as a subprocess (with --report, --diff and --explain, so every output path is
used; stdout strict UTF-8, as in most locales), then cleans the output again. Checks, and exits 1
if any fails: no traceback on stderr, exit code 0 or 1, no temporary files left, every input
accounted for (an output, or a line on stderr naming it), the second run changes nothing.
Prints one line per input: what a correct run does (make_hostile.EXPECTED) and what this one did,
then wall time and peak memory of each run (figures, not checks).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's cleaner, as the runs below use (PYTHONPATH)
from cleaner.io import printable  # noqa: E402  how the CLI names a file in messages and the report
TMP_SUFFIX = ".cleaner-tmp"
ARTICLE = ("The harbour committee met on Thursday evening to discuss the repairs to the eastern breakwater, which "
           "was damaged in the January storms.\n\nEngineers said the work would take about eleven weeks.\n")

# Our own additions: path -> (bytes or a maker, what a correct run does)
EXTRA_EXPECTED = {
    "extra/caf\udce9-crlf.txt": "file name not UTF-8, content changes: the diff on a strict stdout must not crash",
    "extra/pipe.txt": "a FIFO: never opened (it would block forever)",
    "extra/clash/x.html": "output x.txt is also a folder (x.txt/ below): reported, not written",
    "extra/clash/x.txt/inner.txt": "cleaned",
    "extra/story/b.txt": "cleaned (its output folder also receives b.story2.txt from another input)",
    "extra/story/b.story2.txt": "an input named like a story file: cleaned, never deleted as a stale story",
    "extra/unclosed-textarea.html": "the text after an unclosed <textarea> comes out",
    "extra/mojibake-cr.txt": "old-Mac CR line ends around mojibake: cleaned, and idempotent",
}


def load_make_hostile():
    path = ROOT / "tests" / "hostile" / "make_hostile.py"
    if not path.is_file():
        sys.exit(f"hostile_run: {path} not found")
    spec = importlib.util.spec_from_file_location("make_hostile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_extras(dest: Path) -> None:
    def put(rel: str, data: bytes) -> None:
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    put("extra/caf\udce9-crlf.txt", ARTICLE.replace("\n", "\r\n").encode())
    if hasattr(os, "mkfifo"):
        os.mkfifo(dest / "extra" / "pipe.txt")
    put("extra/clash/x.html", b"<p>" + ARTICLE.encode() + b"</p>")
    put("extra/clash/x.txt/inner.txt", ARTICLE.encode())
    put("extra/story/b.txt", ARTICLE.encode())
    put("extra/story/b.story2.txt", ARTICLE.encode())
    put("extra/unclosed-textarea.html", b"<html><body><form><textarea>Comment here\n<p>" + ARTICLE.encode() + b"</p></body></html>")
    put("extra/mojibake-cr.txt", "café\r".encode("latin-1") + "ġ".encode() + b" " + ARTICLE.replace("\n", "\r").encode())


WORDS = ("harbour council bridge river weather school market festival engineers residents volunteers ferry "
         "timetable lighthouse budget meeting repairs storm winter summer museum library station road farmers "
         "said would could after before during because while although several many new old local regional").split()


def write_large(path: Path, megabytes: int, seed: int = 7) -> None:
    """`megabytes` MB of varied prose-like paragraphs (no two alike, so nothing goes as a repeat:
    every line really passes through every stage). Written in chunks: bounded memory here too."""
    import random

    rng = random.Random(seed)
    target = megabytes * 1_000_000
    with path.open("w", encoding="utf-8") as f:
        written = 0
        while written < target:
            para = " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 22))).capitalize() + "."
                            for _ in range(rng.randint(2, 6)))
            f.write(para + "\n\n")
            written += len(para) + 2


def run_cli(args: list[str], cwd: Path, fifo: Path | None = None) -> tuple[int, str, str, float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8:strict"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    # The CLI in a wrapper that prints its own peak RSS at exit (the RUSAGE_CHILDREN figure is the
    # maximum over every child so far, so it cannot single out one run).
    code = ("import atexit, resource, sys\n"
            "atexit.register(lambda: print('hostile_run: maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
            "from cleaner.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=3600)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += b"\nhostile_run: TIMEOUT after 3600 s\n"
    wall = time.monotonic() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; max over children so far
    return proc.returncode, out.decode("utf-8", "surrogateescape"), err.decode("utf-8", "surrogateescape"), wall, max(peak, before)


def _own_peak_kib(err: str) -> int:
    for line in reversed(err.splitlines()):
        if line.startswith("hostile_run: maxrss "):
            return int(line.split()[-1])
    return 0


def tree(root: Path) -> dict[str, bytes]:
    found = {}
    for folder, _, names in os.walk(root):
        for n in names:
            p = Path(folder, n)
            if p.is_file() and not p.is_symlink():
                found[p.relative_to(root).as_posix()] = p.read_bytes()
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="build in this (new) folder and keep it")
    ap.add_argument("--large-mb", type=int, default=0, help="also a large.txt of this many MB (issue 7: 100)")
    ap.add_argument("--bomb-mb", type=int, default=60, help="bomb.html.gz size once opened (MB; default limit is 50)")
    ap.add_argument("--jobs", default="2")
    args = ap.parse_args(argv)

    mh = load_make_hostile()
    base = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    src, out, again = base / "in", base / "out", base / "again"
    t0 = time.monotonic()
    mh.build(src, bomb_mb=args.bomb_mb)
    add_extras(src)
    if args.large_mb:
        write_large(src / "large.txt", args.large_mb)
    print(f"built {src} in {time.monotonic() - t0:.1f} s")
    config = base / "cleaner.toml"
    if args.large_mb:  # for the run of large.txt alone: a limit above its size, so it is really cleaned
        config.write_text(f"[decode]\nmax_bytes = {(args.large_mb + 10) * 1_000_000}\n")

    failures = []
    rc, stdout, err, wall, peak = run_cli(["clean", str(src), "--out", str(out), "--jobs", args.jobs, "--report",
                                           str(base / "report.json"), "--diff", "--explain"], base)
    print(f"run 1: exit {rc}, {wall:.1f} s wall, peak RSS of a process {peak / 1024:.0f} MB")
    if "Traceback" in err:
        failures.append("traceback on stderr (run 1):\n" + err[err.index("Traceback"):][:3000])
    if rc not in (0, 1):
        failures.append(f"run 1 exit code {rc}")
    try:
        report = json.loads((base / "report.json").read_text(encoding="utf-8"))
        by_path = {f["path"]: f for f in report["files"]}
    except (OSError, ValueError) as e:
        failures.append(f"no readable report: {e}")
        by_path = {}
    outputs = tree(out)
    leftovers = [r for r in outputs if r.endswith(TMP_SUFFIX)]
    if leftovers:
        failures.append(f"temporary files left: {leftovers}")
    messages = [line for line in err.splitlines() if line.startswith("cleaner: ")]

    expected = {**mh.EXPECTED, **EXTRA_EXPECTED}
    if args.large_mb:
        expected["large.txt"] = (f"{args.large_mb} MB: skipped too-large if above the 50 MB default limit; "
                                 "cleaned alone below with a raised limit")
    print(f"\n{'input':34} {'what happened':44} expected")
    for rel, want in expected.items():
        path = printable(str(src / rel))  # a name that is not UTF-8 is spelled with \\x escapes
        r = by_path.get(path)
        said = [m for m in messages if m.startswith(f"cleaner: {path}: ")]
        if r:
            what = r["status"] + (f" ({r['reason'][:60]})" if r["reason"] else "") + (f" -> {len(r['outputs'])} file(s)" if r["outputs"] else "")
        elif said:
            what = said[0][len(f"cleaner: {path}: "):]
        elif (src / rel).is_dir() or rel.endswith("/"):
            what = "(folder)"
        elif os.path.exists(src / rel) and not (src / rel).is_file():
            what = "passed over (not a regular file)"
        elif not by_path:
            what = "? (no report)"
        else:
            what = "NOT ACCOUNTED FOR"
            if not (rel.startswith("links/") or rel in getattr(mh, "OPTIONAL", ())) and os.path.lexists(src / rel):
                failures.append(f"{rel}: neither an output nor a message")
        print(f"{rel[:34]:34} {what[:44]:44} {want}")

    rc2, _, err2, wall2, _ = run_cli(["clean", str(out), "--out", str(again), "--jobs", args.jobs, "-q"], base)
    print(f"\nrun 2 (over run 1's output): exit {rc2}, {wall2:.1f} s wall")
    if "Traceback" in err2:
        failures.append("traceback on stderr (run 2):\n" + err2[err2.index("Traceback"):][:3000])
    second = tree(again)
    changed = sorted(k for k in outputs if k in second and second[k] != outputs[k])
    missing = sorted(k for k in outputs if k not in second and not k.endswith(TMP_SUFFIX))
    if changed or missing:
        failures.append(f"cleaning the output again changed {changed[:10]} and lost {missing[:10]}")

    if args.large_mb:  # on its own, so time and peak memory are the large file's
        rc3, _, err3, wall3, _ = run_cli(["clean", str(src / "large.txt"), "--out", str(base / "large-out"), "-q",
                                          "--config", str(config)], base)
        rss = _own_peak_kib(err3)
        print(f"large.txt alone ({args.large_mb} MB): exit {rc3}, {wall3:.1f} s wall, peak RSS {rss / 1024:.0f} MB")
        if "Traceback" in err3 or rc3 != 0:
            failures.append(f"large.txt: exit {rc3}\n{err3[-2000:]}")

    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print()
    for f in failures:
        print("FAIL:", f)
    print("ok: no traceback, every input accounted for, idempotent" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
