"""Build a folder of hostile inputs for reliability tests of the `cleaner` CLI (issue #7).

    python tests/hostile/make_hostile.py DEST [--bomb-mb 200] [--large-mb 0]

DEST must not exist or be empty. Everything is generated deterministically (no randomness, no
network); the folder holds only the hostile files, so it can be handed to `cleaner clean DEST --out X`
as is. `EXPECTED` says, per path, what a correct run does with it; tests can iterate over it.
Symlinks need a POSIX file system; on others they are left out (see `build(..., links=False)`).
"""
from __future__ import annotations

import argparse
import gzip
import os
import sys
import zlib
from pathlib import Path

PROSE = ("The harbour master said the new pontoon would be ready before the summer, "
         "and the sailing club thanked volunteers for a winter of work. ")

# path (relative to DEST, "/" separators) -> what a correct run does with it
EXPECTED: dict[str, str] = {
    "binary.txt": "skipped, reason binary (a .txt suffix proves nothing)",
    "binary-png.png": "skipped, reason binary",
    "nul-bytes.txt": "skipped, reason binary",
    "empty.txt": "empty output file, no error",
    "whitespace-only.txt": "empty output file, no error",
    "latin1.txt": "decoded as latin-1: café, Zürich, naïve, £ (no U+FFFD, no mojibake)",
    "cp1252.txt": "decoded as windows-1252: curly quotes, en/em dashes, euro sign, ellipsis",
    "utf16-le-bom.txt": "decoded as UTF-16, BOM dropped",
    "utf16-be-bom.txt": "decoded as UTF-16, BOM dropped",
    "utf16-le-nobom.txt": "decoded as UTF-16 (NUL pattern), not skipped as binary",
    "utf8-bom.txt": "UTF-8 without the BOM",
    "invalid-utf8-middle.txt": "text kept on both sides of the bad bytes; no U+FFFD before ftfy had its chance",
    "crlf.txt": "LF line ends only",
    "lone-cr.txt": "LF line ends only (old Mac)",
    "mixed-line-ends.txt": "LF line ends only",
    "control-chars.txt": "control characters removed, text kept",
    "broken-unclosed-title.html": "the body text comes out (the unclosed <title> must not swallow the page)",
    "broken-bogus-entities.html": "text out; unknown entities left as text, out-of-range ones do not crash",
    "broken-unclosed-tags.html": "text of all paragraphs comes out",
    "not-really.html": ".html suffix over plain text: the text comes out",
    "deep-nesting.html": "the innermost text comes out, no RecursionError/traceback",
    "long-line-1mb.txt": "one ~1 MB line handled in bounded time (cleaned or kept), no hang",
    "many-lines.txt": "200,000 short lines, handled in bounded time",
    "bomb.html.gz": "skipped, reason too-large (decompresses far beyond decode.max_bytes), memory bounded",
    "truncated.txt.gz": "skipped with a reason (corrupt gzip), the run goes on",
    "fake-gzip.txt.gz": "not gzip at all (plain text): cleaned as text or skipped with a reason, no crash",
    "x.txt/inner.txt": "x.txt is a directory: walked into, never opened as a file",
    "names/naïve name with spaces.txt": "non-ASCII and spaces in the name: output name mirrors it",
    "names/bad-name-\udcff.txt": "file name not valid UTF-8 (surrogate-escaped): handled or reported, no crash",
    "unreadable.txt": "mode 000: reported as unreadable (as root it is readable, then cleaned normally)",
    "links/dangling.txt": "dangling symlink: reported on stderr, run goes on",
    "links/link-loop-a.txt": "symlink loop a->b->a: reported (too many levels of links), no hang",
    "links/link-loop-b.txt": "symlink loop b->a->b: reported, no hang",
    "links/up": "symlink to the parent folder: not walked again (no duplicates, no endless walk)",
    "links/self": "symlink to its own folder: not walked again",
    "links/alias-of-crlf.txt": "symlink to a file in the tree: cleaned as its own path (same text as crlf.txt)",
}
OPTIONAL = {"links/", "unreadable.txt", "names/bad-name-\udcff.txt"}  # depend on the OS / privileges


def _write(dest: Path, rel: str, data: bytes) -> None:
    path = dest / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _bomb(path: Path, megabytes: int) -> None:
    """A small .gz that expands to `megabytes` MB of HTML-ish text, written in chunks (bounded memory)."""
    chunk = (b"<p>" + PROSE.encode() * 20 + b"</p>\n") * 400  # ~0.7 MB
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with path.open("wb") as out:
        written = 0
        while written < megabytes * 1_000_000:
            out.write(comp.compress(chunk))
            written += len(chunk)
        out.write(comp.flush())


def build(dest: str | Path, *, bomb_mb: int = 200, large_mb: int = 0, links: bool | None = None) -> Path:
    """Create the hostile files under `dest` (created; must be empty if it exists). Returns `dest`.
    `large_mb` > 0 also writes `large.txt` of that many MB of prose (issue #7's 100 MB case)."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    text = "Harbour news\n\n" + PROSE.strip() + "\n"

    _write(dest, "binary.txt", bytes(range(256)) * 64)
    _write(dest, "binary-png.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(i * 7 % 256 for i in range(4000)))
    _write(dest, "nul-bytes.txt", text.encode() + b"\x00\x00\x00" + text.encode())
    _write(dest, "empty.txt", b"")
    _write(dest, "whitespace-only.txt", b" \n\t\n\r\n   \n")
    _write(dest, "latin1.txt", "Le café de Zürich\n\nUn naïf paie 3 £ pour un thé glacé à l'été.\n".encode("latin-1"))
    _write(dest, "cp1252.txt", "“Quoted” – dash — €5 … it’s done\n\nThe ‘harbour’ café reopened.\n".encode("cp1252"))
    _write(dest, "utf16-le-bom.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    _write(dest, "utf16-be-bom.txt", b"\xfe\xff" + text.encode("utf-16-be"))
    _write(dest, "utf16-le-nobom.txt", text.encode("utf-16-le"))
    _write(dest, "utf8-bom.txt", b"\xef\xbb\xbf" + text.encode())
    _write(dest, "invalid-utf8-middle.txt",
           "Café one – fine UTF-8.\n\n".encode() + b"Broken \xff\xfe here and a cut \xc3( sequence.\n\n"
           + "Café two — fine again.\n".encode())
    _write(dest, "crlf.txt", text.replace("\n", "\r\n").encode())
    _write(dest, "lone-cr.txt", text.replace("\n", "\r").encode())
    _write(dest, "mixed-line-ends.txt", b"one\r\ntwo\rthree\nfour\r\n\r\n" + PROSE.encode() + b"\r")
    _write(dest, "control-chars.txt", b"Harbour\x01 news\x07\n\n" + PROSE.encode().replace(b" ", b" \x1b", 3)
           + b"\x7f\x0b\x0c\n")
    _write(dest, "broken-unclosed-title.html",
           b"<html><head><title>Harbour news\n<body><h1>Pontoon ready</h1><p>" + PROSE.encode() + b"</p></body></html>")
    _write(dest, "broken-bogus-entities.html",
           b"<p>Fish &chips; &amp bread &#xZZ; &#99999999; &#0; &#x110000; &nosuchentity; done.</p><p>"
           + PROSE.encode() + b"</p>")
    _write(dest, "broken-unclosed-tags.html",
           b"<html><body><div><p>First paragraph " + PROSE.encode() + b"<p>Second <b>bold <i>both</p><div><p>Third "
           + PROSE.encode() + b"<table><tr><td>cell")
    _write(dest, "not-really.html", text.encode())
    depth = 10_000
    _write(dest, "deep-nesting.html",
           b"<html><body>" + b"<div>" * depth + b"<p>" + PROSE.encode() + b"</p>" + b"</div>" * depth + b"</body></html>")
    _write(dest, "long-line-1mb.txt", (PROSE * (1_000_000 // len(PROSE) + 1)).encode()[:1_000_000] + b"\n")
    _write(dest, "many-lines.txt", b"".join(b"line %d of a very long list\n" % i for i in range(200_000)))
    _bomb(dest / "bomb.html.gz", bomb_mb)
    _write(dest, "truncated.txt.gz", gzip.compress(text.encode() * 100)[:60])
    _write(dest, "fake-gzip.txt.gz", text.encode())
    _write(dest, "x.txt/inner.txt", text.encode())
    _write(dest, "names/naïve name with spaces.txt", text.encode())
    try:  # a file name that is not valid UTF-8 (POSIX only)
        (dest / "names" / os.fsdecode(b"bad-name-\xff.txt")).write_bytes(text.encode())
    except (OSError, UnicodeError):
        pass
    _write(dest, "unreadable.txt", text.encode())
    os.chmod(dest / "unreadable.txt", 0)
    if large_mb > 0:
        with (dest / "large.txt").open("wb") as out:
            para = (PROSE * 8).encode() + b"\n\n"
            for _ in range(large_mb * 1_000_000 // len(para) + 1):
                out.write(para)

    if links is None:
        links = hasattr(os, "symlink") and os.name == "posix"
    if links:
        d = dest / "links"
        d.mkdir()
        os.symlink("missing-target.txt", d / "dangling.txt")
        os.symlink("link-loop-b.txt", d / "link-loop-a.txt")
        os.symlink("link-loop-a.txt", d / "link-loop-b.txt")
        os.symlink("..", d / "up")
        os.symlink(".", d / "self")
        os.symlink("../crlf.txt", d / "alias-of-crlf.txt")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--bomb-mb", type=int, default=200, help="size of bomb.html.gz once decompressed (MB)")
    ap.add_argument("--large-mb", type=int, default=0, help="also write large.txt of this many MB (0: no)")
    args = ap.parse_args(argv)
    try:
        build(args.dest, bomb_mb=args.bomb_mb, large_mb=args.large_mb)
    except (FileExistsError, OSError) as e:
        print(f"make_hostile: {e}", file=sys.stderr)
        return 2
    print(f"hostile files written to {args.dest} ({len(EXPECTED)} cases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
