"""Benchmark for the `stories` stage: bundled stories built from the eval sets, split by the full pipeline.

    python benchmarks/stories.py [--data ../shared/eval] [--sets dragnet,...] [--pairs 150] [--singles 200]

For each set (sorted names, seeded shuffle, so the bundles are the same on every run):
  gold bundles   gold A + a headline line (B's <title>, site name cut) + a date line + gold B
  naive bundles  A.naive.txt + B.naive.txt: two scraped pages glued together
  singles        one page (naive text; and gold text): any split is a false split
Subsets: --sets, --pairs and --singles (the defaults take a minute or two on two busy cores).
Scores (AEB metric: \\w+ tokens, 4-gram shingle multisets, per-document normalised; benchmarks/aeb.py):
  main vs gold A, separated (first split-off story) vs gold B, false-split rate on singles, boundary
  accuracy on gold bundles (exactly one split, and the new story starts where B does: at the inserted
  headline or date line, or at the first of B's lines the pipeline kept, with none of B's lines before
  it left in the main story; the stricter count of stop 11 and before, printed beside it, took only
  the headline, the date line or B's own first line).
Also printed, to tell the stage's part from the rest of the pipeline's: the ceiling (A and B cleaned
alone, as if split perfectly) and, with --baseline, the no-split baseline (main = the whole bundle).
The data is read at run time only; nothing from it is stored.
"""
from __future__ import annotations

import argparse
import gzip
import html
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

try:  # the project's scorer; a minimal private one if it is missing
    from aeb import score as aeb_score
except ImportError:  # pragma: no cover
    aeb_score = None

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|»|:)\s+")


def _score(triples):
    if aeb_score is not None:
        s = aeb_score(triples)
        return s.precision, s.recall, s.f1, s.f1_doc, s.empty
    from collections import Counter
    tok = re.compile(r"\w+")

    def sh(t):
        w = tok.findall(t or "")
        return Counter([tuple(w)]) if 0 < len(w) < 4 else Counter(tuple(w[i:i + 4]) for i in range(len(w) - 3))
    ps, rs, fs, empty = [], [], [], 0
    for _, g, p in triples:
        a, b = sh(g), sh(p)
        tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
        empty += not b
        pr = 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else 0.0)
        rc = 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0)
        if tp + fp:
            ps.append(pr)
        if tp + fn:
            rs.append(rc)
        fs.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    P = sum(ps) / len(ps) if ps else 0.0
    R = sum(rs) / len(rs) if rs else 0.0
    return P, R, (2 * P * R / (P + R) if P + R else 0.0), sum(fs) / len(fs) if fs else 0.0, empty


def headline_for(folder: Path, name: str, gold: str) -> str:
    """B's headline: its page <title> without the site name, else the start of its first sentence."""
    try:
        with gzip.open(folder / f"{name}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            head = f.read(300_000)
        m = re.search(r"<title[^>]*>(.*?)</title>", head, re.I | re.S)
        if m:
            title = " ".join(html.unescape(m.group(1)).split())
            parts = [p.strip(" .:;,»«|") for p in TITLE_SEPARATORS.split(title)]
            parts = [p[:1].upper() + p[1:] for p in parts if 3 <= len(p.split()) <= 20]
            if parts:
                return max(parts, key=len)
    except (OSError, EOFError):
        pass
    words = gold.split()[:8]
    text = " ".join(words).rstrip(".,;:!?")
    return text[:1].upper() + text[1:]


def date_line(rng: random.Random) -> str:
    y, mo, d, h, mi = rng.randint(2009, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
    return rng.choice([
        f"{d} {MONTHS[mo - 1]} {y}",
        f"{MONTHS[mo - 1]} {d}, {y}",
        f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
        f"Published {d:02d}.{mo:02d}.{y}",
        f"Updated: {MONTHS[mo - 1]} {d}, {y} at {h % 12 or 12}:{mi:02d} {'a.m.' if h < 12 else 'p.m.'}",
    ])


def load_set(folder: Path, min_words: int):
    names = sorted(p.name[:-len(".gold.txt")] for p in folder.glob("*.gold.txt"))
    docs = []
    for name in names:
        gold = (folder / f"{name}.gold.txt").read_text(encoding="utf-8", errors="replace")
        naive = folder / f"{name}.naive.txt"
        if not naive.exists():
            continue
        docs.append((name, gold, naive.read_text(encoding="utf-8", errors="replace"), len(gold.split()) >= min_words))
    return docs


def first_line(text: str) -> str:
    return next((s.strip() for s in text.split("\n") if s.strip()), "")


def starts_at_header(b_part: list[str], main: str, sep: str) -> bool:
    """Whether the split-off story starts where B does: at the inserted headline or date line, or at
    the first of B's lines the pipeline kept (the boilerplate stage may remove the header, and B's own
    first lines too: a date line, a byline, a counter). Its first line must be one of B's part, and
    no line of that part before it may have stayed in the main story."""
    first = first_line(sep)
    kept = {x.strip() for x in main.split("\n") if x.strip()}
    for line in b_part:
        x = line.strip()
        if not x:
            continue
        if x == first:
            return True
        if x in kept:
            return False
    return False


def run(args) -> int:
    import cleaner
    from cleaner.config import Config

    data = Path(args.data)
    if not data.is_dir():
        print(f"no eval data at {data}", file=sys.stderr)
        return 2
    config = Config()
    for name in filter(None, args.disable.split(",")):
        config = config.with_stage(name, False)
    pipe = cleaner.Pipeline.from_config(config)
    errors = []

    def clean(text: str, doc_id: str):
        try:
            return pipe(cleaner.Document(id=doc_id, text=text))
        except cleaner.StageError as e:  # another stage's failure must not end the benchmark
            errors.append(str(e))
            return cleaner.Document(id=doc_id, text="")

    whole = None
    if args.baseline:
        nosplit = cleaner.Pipeline.from_config(config.with_stage("stories", False))
        whole = lambda text, doc_id: nosplit(cleaner.Document(id=doc_id, text=text))
    sets = args.sets.split(",") if args.sets else sorted(p.name for p in data.iterdir() if (p / "manifest.jsonl").exists() or any(p.glob("*.gold.txt")))
    totals: dict[str, list] = {}
    print(f"stories benchmark: data={data} seed={args.seed} pairs/set={args.pairs} singles/set={args.singles} "
          f"stages={','.join(config.enabled)}"
          + ("" if aeb_score else " (private scorer: benchmarks/aeb.py missing)"))
    for set_name in sets:
        folder = data / set_name
        docs = load_set(folder, args.min_words)
        rng = random.Random(f"{args.seed}:{set_name}")
        usable = [d for d in docs if d[3]]
        order = usable[:]
        rng.shuffle(order)
        pairs = [(order[i], order[i + 1]) for i in range(0, len(order) - 1, 2)][: args.pairs]
        singles = docs[:]
        rng.shuffle(singles)
        singles = singles[: args.singles]
        r = {k: [] for k in ("g_main", "g_sep", "n_main", "n_sep", "n_whole", "c_main", "c_sep")}
        stats = {"g_ok": 0, "g_first": 0, "g_split": 0, "g_multi": 0, "n_split": 0, "n_multi": 0, "single_naive": 0,
                 "single_gold": 0, "unstable": 0}
        for (a, ga, na, _), (b, gb, nb, _) in pairs:
            pid = f"{a}+{b}"
            head = headline_for(folder, b, gb)
            date = date_line(rng)
            gold_bundle = f"{ga.strip()}\n\n{head}\n\n{date}\n\n{gb.strip()}\n"
            d = clean(gold_bundle, pid + ".txt")
            sep = d.stories[0].text if d.stories else ""
            r["g_main"].append((pid, ga, d.text))
            r["g_sep"].append((pid, gb, sep))
            stats["g_split"] += bool(d.stories)
            stats["g_multi"] += len(d.stories) > 1
            # right place: the new story starts where B does (see starts_at_header); the stricter
            # count also asks that it start at the inserted headline or date line or B's first line
            ok = len(d.stories) == 1 and starts_at_header([head, date, *gb.split("\n")], d.text, sep)
            stats["g_ok"] += ok
            stats["g_first"] += len(d.stories) == 1 and first_line(sep) in (head.strip(), date.strip(), first_line(gb))
            if args.verbose and not ok:
                print(f"  [gold miss] {set_name} {pid}: {len(d.stories)} splits "
                      f"{d.metadata.get('story_boundaries')} head={head!r}")
            d = clean(f"{na.rstrip()}\n\n{nb.lstrip()}", pid + ".txt")
            sep = d.stories[0].text if d.stories else ""
            r["n_main"].append((pid, ga, d.text))
            r["n_sep"].append((pid, gb, sep))
            if whole is not None:  # the no-split baseline: the bundle cleaned with the stage off
                r["n_whole"].append((pid, ga, whole(f"{na.rstrip()}\n\n{nb.lstrip()}", pid + ".txt").text))
            if args.verbose and len(d.stories) != 1:
                print(f"  [naive {'miss' if not d.stories else 'multi'}] {set_name} {pid}: "
                      f"{d.metadata.get('story_boundaries')}")
            stats["n_split"] += bool(d.stories)
            stats["n_multi"] += len(d.stories) > 1
            for k, part in enumerate([d.text, *(s.text for s in d.stories)] if d.stories else [], start=1):
                again = clean(part, pid + ".again.txt")
                stats["unstable"] += bool(again.stories)
                if args.verbose and again.stories:
                    print(f"  [re-clean splits] {set_name} {pid} part {k}: {again.metadata.get('story_boundaries')}")
            r["c_main"].append((pid, ga, clean(na, a + ".txt").text))
            r["c_sep"].append((pid, gb, clean(nb, b + ".txt").text))
        for name, gold, naive, _ in singles:
            d = clean(naive, name + ".txt")
            stats["single_naive"] += bool(d.stories)
            if args.verbose and d.stories:
                print(f"  [false split naive] {set_name} {name}: {d.metadata.get('story_boundaries')}")
            d = clean(gold, name + ".gold")
            stats["single_gold"] += bool(d.stories)
            if args.verbose and d.stories:
                print(f"  [false split gold] {set_name} {name}: {d.metadata.get('story_boundaries')}")
        report(set_name, len(pairs), len(singles), r, stats)
        for k, v in r.items():
            totals.setdefault(k, []).extend(v)
        for k, v in stats.items():
            totals.setdefault("#" + k, []).append(v)
        totals.setdefault("#pairs", []).append(len(pairs))
        totals.setdefault("#singles", []).append(len(singles))
    if len(sets) > 1:
        report("ALL", sum(totals["#pairs"]), sum(totals["#singles"]), {k: v for k, v in totals.items() if not k.startswith("#")},
               {k[1:]: sum(v) for k, v in totals.items() if k.startswith("#") and k not in ("#pairs", "#singles")})
    if errors:
        print(f"\n{len(errors)} documents failed in the pipeline (scored as empty); first: {errors[0]}")
    return 0


def report(name: str, npairs: int, nsingles: int, r: dict, s: dict) -> None:
    def f(key):
        P, R, F, Fd, empty = _score(r[key])
        return f"F1={F:.3f} (P={P:.3f} R={R:.3f} F1doc={Fd:.3f} empty={empty})"
    pct = lambda k, n: f"{s[k]}/{n} = {100 * s[k] / max(1, n):.1f}%"
    print(f"\n== {name}: {npairs} pairs, {nsingles} single pages")
    print(f"gold bundles : boundary accuracy {pct('g_ok', npairs)} (at the header or B's first line "
          f"{pct('g_first', npairs)}); split {pct('g_split', npairs)}; >1 split {s['g_multi']}")
    print(f"               main vs gold A {f('g_main')}")
    print(f"               sep  vs gold B {f('g_sep')}")
    print(f"naive bundles: split {pct('n_split', npairs)}; >1 split {s['n_multi']}; re-clean splits again {s['unstable']}")
    print(f"               main vs gold A {f('n_main')}")
    print(f"               sep  vs gold B {f('n_sep')}")
    if r.get("n_whole"):
        print(f"               no-split baseline main {f('n_whole')}")
    print(f"               ceiling (A, B cleaned alone) main {f('c_main')}")
    print(f"                                            sep  {f('c_sep')}")
    print(f"singles      : false splits naive {pct('single_naive', nsingles)}; gold {pct('single_gold', nsingles)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--sets", default="", help="comma-separated set names (default: every set in --data)")
    ap.add_argument("--pairs", type=int, default=150, help="bundles per set")
    ap.add_argument("--singles", type=int, default=200, help="single pages per set")
    ap.add_argument("--min-words", type=int, default=80, help="gold texts shorter than this are not bundled")
    ap.add_argument("--seed", default="0")
    ap.add_argument("--disable", default="", help="comma-separated stages to turn off (e.g. boilerplate, to see this stage alone)")
    ap.add_argument("--baseline", action="store_true", help="also score the no-split baseline (slower)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each miss and false split")
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
