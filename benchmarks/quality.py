"""Cleaning quality on the eval sets (../shared/eval): cleaner's main output vs the gold main text.

    python benchmarks/quality.py                          # all sets, text and HTML mode
    python benchmarks/quality.py --set dragnet --mode text --jobs 2

Text mode cleans NAME.naive.txt (a scraped page as plain text); HTML mode cleans NAME.html.gz. The
main output (doc.text; split-off stories are not part of it) is scored against NAME.gold.txt with the
AEB metric (benchmarks/aeb.py, the same as ../shared/eval/score.py). Prints P, R, F1, F1doc, empty and
time per set and mode, with the peers' figures from the eval README beside ours, and writes a
per-document table, worst first, to WORK/<set>.<mode>.tsv (and the predictions to WORK/<set>/<mode>/).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import aeb  # noqa: E402

SETS = ("scrapinghub", "wcxb-dev-article", "dragnet")
MODES = ("text", "html")


def default_data() -> Path | None:
    p = HERE.parent.parent / "shared" / "eval"
    return p if p.is_dir() else None


def peers(data: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{mode: {set: {tool: F1}}} parsed from the eval README's tables (nothing when absent)."""
    out: dict[str, dict[str, dict[str, float]]] = {"text": {}, "html": {}}
    readme = data / "README.md"
    if not readme.is_file():
        return out
    mode, cols = None, []
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("plain-text input"):
            mode = "text"
        elif line.lower().startswith("html input"):
            mode = "html"
        if mode is None or not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "set":
            cols = cells[1:]
            continue
        if cells[0] in SETS and cols:
            vals = {}
            for c, v in zip(cols, cells[1:]):
                try:
                    vals[c] = float(v)
                except ValueError:
                    pass
            out[mode][cells[0]] = vals
    return out


def inputs(data: Path, set_name: str, mode: str) -> list[tuple[str, Path]]:
    folder = data / set_name
    names = sorted(g.name[: -len(".gold.txt")] for g in folder.glob("*.gold.txt"))
    suffix = ".naive.txt" if mode == "text" else ".html.gz"
    return [(n, folder / f"{n}{suffix}") for n in names]


def build_config(config_file: str | None, no_model: bool):
    from cleaner import load_config
    from cleaner.config import Config

    config = load_config(config_file) if config_file else Config()
    if no_model:
        config = config.replace_options("boilerplate", model=False)
    return config


def run(data: Path, set_name: str, mode: str, work: Path, config, jobs: int):
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    items = inputs(data, set_name, mode)
    # The doc id carries the suffix so decode recognises gzip+HTML vs text exactly as the CLI does.
    docs = [Document(id=p.name, raw=p.read_bytes()) for _, p in items]
    pipeline = Pipeline.from_config(config)
    t0 = time.perf_counter()
    outs = list(pipeline.clean_many(docs, jobs=jobs))
    elapsed = time.perf_counter() - t0
    pred_dir = work / set_name / mode
    pred_dir.mkdir(parents=True, exist_ok=True)
    triples = []
    for (name, _), doc in zip(items, outs):
        text = "" if doc.skipped else doc.text
        (pred_dir / f"{name}.txt").write_text(text, encoding="utf-8")
        gold = (data / set_name / f"{name}.gold.txt").read_text(encoding="utf-8")
        triples.append((name, gold, text))
    sc = aeb.score(triples)
    # What keeping the headline costs on a set whose gold leaves it out: the same outputs without the
    # line the html stage named as the page's headline (HTML mode only; text has no DOM to name it).
    headless = None
    if mode == "html":
        headless = aeb.score([(n, g, _without_line(t, doc.metadata.get("headline")))
                              for (n, g, t), doc in zip(triples, outs)])
    table = work / f"{set_name}.{mode}.tsv"
    gold_tok = {n: len(aeb.tokenize(g)) for n, g, _ in triples}
    pred_tok = {n: len(aeb.tokenize(t)) for n, _, t in triples}
    rows = sorted(sc.per_doc.items(), key=lambda kv: (kv[1]["f1"], kv[0]))
    with table.open("w", encoding="utf-8") as f:
        f.write("name\tf1\tp\tr\tempty\tpred_tokens\tgold_tokens\n")
        for n, r in rows:
            f.write(f"{n}\t{r['f1']:.3f}\t{r['p']:.3f}\t{r['r']:.3f}\t{int(r['empty'])}\t{pred_tok[n]}\t{gold_tok[n]}\n")
    return sc, elapsed, table, headless


def _without_line(text: str, line) -> str:
    """`text` without its first line equal to `line` (stripped), if any."""
    if not line:
        return text
    lines = text.split("\n")
    for i, x in enumerate(lines):
        if x.strip() == str(line).strip():
            return "\n".join(lines[:i] + lines[i + 1:])
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", choices=SETS, help="set(s) to score (default: all)")
    ap.add_argument("--mode", choices=("text", "html", "both"), default="both")
    ap.add_argument("--data", type=Path, default=default_data(), help="eval data (default ../shared/eval)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cleaner-quality"), help="predictions and tables")
    ap.add_argument("--config", help="cleaner config file to use instead of the defaults")
    ap.add_argument("--no-model", action="store_true", help="boilerplate stage without the line model")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    a = ap.parse_args(argv)
    if a.data is None or not a.data.is_dir():
        print("no eval data: pass --data DIR (../shared/eval is absent)", file=sys.stderr)
        return 2
    config = build_config(a.config, a.no_model)
    modes = MODES if a.mode == "both" else (a.mode,)
    ref = peers(a.data)
    results = {}
    notes: list[str] = []
    print(f"{'set':18s} {'mode':5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'F1doc':>6s} {'empty':>5s} {'docs':>5s} "
          f"{'sec':>7s} {'doc/s':>6s}  peers (F1)")
    for mode in modes:
        for s in a.set or SETS:
            if not (a.data / s).is_dir():
                print(f"{s}: missing in {a.data}", file=sys.stderr)
                continue
            sc, sec, table, headless = run(a.data, s, mode, a.work, config, a.jobs)
            if headless is not None:
                notes.append(f"{s} {mode}: F1 {headless.f1:.3f} without the headline cleaner keeps")
            pr = ref.get(mode, {}).get(s, {})
            pstr = "  ".join(f"{k} {v:.3f}" for k, v in pr.items())
            print(f"{s:18s} {mode:5s} {sc.precision:6.3f} {sc.recall:6.3f} {sc.f1:6.3f} {sc.f1_doc:6.3f} "
                  f"{sc.empty:5d} {sc.n_docs:5d} {sec:7.1f} {sc.n_docs / sec if sec else 0:6.1f}  {pstr}",
                  flush=True)
            results[f"{s}/{mode}"] = {"precision": sc.precision, "recall": sc.recall, "f1": sc.f1,
                                      "f1_doc": sc.f1_doc, "empty": sc.empty, "docs": sc.n_docs,
                                      "seconds": sec, "table": str(table)}
    for note in notes:
        print(note)
    print(f"per-document tables (worst first): {a.work}/<set>.<mode>.tsv")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
