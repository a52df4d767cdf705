"""Which HTML parser for the html stage? Speed and text of BeautifulSoup (html.parser, lxml) against
lxml used directly, on the scrapinghub pages of ../shared/eval.

    python benchmarks/html_parsers.py [--data DIR] [--limit N] [--repeat 3]

Each contender turns a page into one line per block element (the same naive dump as the eval sets'
NAME.naive.txt) so that speed is compared on equal work; "agree" is the token-4-gram F1 of its dump
against NAME.naive.txt (the eval's own naive dump), to show the text is as good. Figures are
documents per CPU second (process time), median of --repeat runs. The last row is the whole html
stage as shipped (drops, guard, hints), for scale.
"""
from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BLOCKS = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "figure",
          "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
          "pre", "section", "table", "td", "th", "tr", "ul"}
SKIP = {"script", "style", "noscript", "template", "head", "title"}
TOKEN = re.compile(r"\w+")


def _flusher(lines: list[str], buf: list[str]):
    """The closure both dumpers call at a block boundary: the buffered text becomes one line."""
    def flush():
        line = " ".join("".join(buf).split())
        if line:
            lines.append(line)
        buf.clear()
    return flush


def dump_bs4(markup: str, parser: str) -> str:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(markup, parser)
    lines, buf = [], []
    flush = _flusher(lines, buf)

    def walk(node):
        for child in node.children:
            if isinstance(child, Tag):
                if child.name in SKIP:
                    continue
                block = child.name in BLOCKS
                if block or child.name == "br":
                    flush()
                walk(child)
                if block:
                    flush()
            elif isinstance(child, NavigableString) and type(child) is NavigableString:
                buf.append(str(child))

    walk(soup.body or soup)
    flush()
    return "\n".join(lines)


def dump_lxml(markup: str) -> str:
    from lxml import etree

    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
    root = etree.fromstring(markup.encode("utf-8", "surrogatepass"), parser)
    if root is None:
        return ""
    etree.strip_elements(root, *SKIP, with_tail=False)
    lines, buf = [], []
    flush = _flusher(lines, buf)

    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in BLOCKS or el.tag == "br":
                flush()
            if el.text:
                buf.append(el.text)
        else:
            if el.tag in BLOCKS:
                flush()
            if el.tail:
                buf.append(el.tail)
    flush()
    return "\n".join(lines)


def stage_runner():
    from cleaner.document import Document
    from cleaner.rules import load_rules
    from cleaner.stages import html

    stage = html.Stage(html.Options(), load_rules())
    return lambda markup: stage(Document(id="x.html", text=markup, metadata={"format": "html"})).text


def f1(pred: str, ref: str) -> float:
    def grams(t):
        toks = TOKEN.findall(t)
        return Counter(tuple(toks[i:i + 4]) for i in range(max(1, len(toks) - 3)))

    p, r = grams(pred), grams(ref)
    tp = sum((p & r).values())
    if not tp:
        return 0.0
    prec, rec = tp / sum(p.values()), tp / sum(r.values())
    return 2 * prec * rec / (prec + rec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    files = sorted((args.data / "scrapinghub").glob("*.html.gz"))
    if args.limit:
        files = files[:args.limit]
    if not files:
        print(f"no pages under {args.data / 'scrapinghub'}", file=sys.stderr)
        return 2
    pages = [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]
    naive = [Path(str(f)[:-len(".html.gz")] + ".naive.txt").read_text(encoding="utf-8") for f in files]
    contenders = {
        "bs4 + html.parser": lambda m: dump_bs4(m, "html.parser"),
        "bs4 + lxml": lambda m: dump_bs4(m, "lxml"),
        "lxml.etree + iterwalk": dump_lxml,
        "html stage (shipped)": stage_runner(),
    }
    print(f"{len(pages)} scrapinghub pages, {sum(map(len, pages)) / len(pages) / 1000:.0f} kB each on average")
    print(f"{'parser':24} {'docs/CPU-s':>10} {'agree (F1 vs naive.txt)':>24}")
    for name, fn in contenders.items():
        rates = []
        for _ in range(args.repeat):
            t = time.process_time()
            outs = [fn(m) for m in pages]
            rates.append(len(pages) / (time.process_time() - t))
        agree = statistics.mean(f1(o, n) for o, n in zip(outs, naive))
        note = "  (drops boilerplate: lower by design)" if "stage" in name else ""
        print(f"{name:24} {statistics.median(rates):10.0f} {agree:24.3f}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
