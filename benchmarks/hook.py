"""How long `cleaner check` takes on 20 typical files, as pre-commit runs it (a fresh process).

    python benchmarks/hook.py [--files 20] [--runs 7] [--data ../shared/eval]

Typical files: the dev sets' scraped plain-text pages when ../shared/eval is present (a fixed,
seeded choice), else the repo's samples. Prints the median and spread of the wall time of
`cleaner check FILE...` and of a bare `python -c pass` start-up for scale.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def typical_files(data: Path, n: int) -> list[Path]:
    pool = sorted(data.glob("*/*.naive.txt")) if data.is_dir() else []
    if not pool:
        pool = sorted(p for p in (REPO / "samples").rglob("*") if p.is_file() and p.name != "README.md")
    rng = random.Random(0)
    return [pool[i % len(pool)] for i in rng.sample(range(len(pool)), min(n, len(pool)))] if len(pool) >= n else \
        [pool[i % len(pool)] for i in range(n)]


def wall(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval")
    a = ap.parse_args()
    exe = shutil.which("cleaner") or str(Path(sys.executable).parent / "cleaner")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / ".git").mkdir()  # a corpus repo: config discovery stops here
        names = []
        for i, src in enumerate(typical_files(a.data, a.files)):
            dst = work / f"f{i:02d}.txt"
            shutil.copyfile(src, dst)
            names.append(dst.name)
        size = sum((work / n).stat().st_size for n in names)
        wall([exe, "check", *names], work)  # warm the OS file cache
        times = [wall([exe, "check", *names], work) for _ in range(a.runs)]
        bare = [wall([sys.executable, "-c", "pass"], work) for _ in range(a.runs)]
    print(f"cleaner check on {len(names)} files ({size / 1024:.0f} KiB): median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {a.runs} runs); python start-up alone {statistics.median(bare):.2f} s")


if __name__ == "__main__":
    main()
