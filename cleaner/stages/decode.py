"""decode: bytes to text, and HTML-or-text format detection.

Order of attempts: gzip container (opened, size-capped) -> BOM (UTF-8/16/32) -> BOM-less UTF-16 (by its
NUL pattern) -> binary check -> strict UTF-8 -> the HTML's declared charset / bs4's UnicodeDammit (with
charset-normalizer behind it) -> ftfy's sloppy windows-1252, which maps every byte. Nothing is ever
decoded with errors="replace": undecodable bytes stay as look-alike characters that ftfy can still repair.
"""
from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass

from ..document import Document, Edit

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".xht")
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
                         re.I | re.S)
# Characters that later stages remove (U+FFFD, BOM, zero-width space, controls) must not hide the
# start of a page either: if they did, the cleaned text would still start with "<html>", and
# cleaning it again would read it as HTML (found by the idempotence fuzz target: b"\xef\xbf\xbd<html>",
# and its Windows-1252 reading "ï¿½" when the rest of the file is not UTF-8; "ï»¿" is a BOM read so).
_HTML_START_STR = re.compile("^(?:[\ufffd\ufeff\u200b\x00-\x1f\x7f]|ï¿½|ï»¿)*" + _HTML_START.pattern.decode()[1:], re.I | re.S)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f\x0b\x1b")
# Codecs Python knows that no page means as its charset: the escape codecs turn backslash sequences in
# the text into characters (lone surrogates too), UTF-7 is banned from HTML (an XSS vector), and the
# rest are not byte-to-text encodings at all. A page declaring one is decoded as if it declared nothing.
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "utf-7", "punycode", "idna", "undefined"}
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Options:
    max_bytes: int = 50_000_000  # larger inputs (also once un-gzipped) are skipped: "too-large"
    binary_control_ratio: float = 0.10  # share of control bytes that marks a file as binary

    def validate(self) -> str | None:
        if self.max_bytes <= 0:
            return "max_bytes must be positive"
        if not 0 < self.binary_control_ratio <= 1:
            return "binary_control_ratio must be in (0, 1]"
        return None


def _suffix_format(doc_id: str) -> str | None:
    name = doc_id.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def looks_like_html(text: str) -> bool:
    if _HTML_START_STR.match(text[:4096]):
        return True
    # Whitespace before the tag may be mojibake ("â€¨" for U+2028) that the encoding stage repairs:
    # judge the repaired start, or the cleaned text, sniffed again, would turn into a page.
    lt = text.find("<", 0, 64)
    if lt <= 0 or text[:lt].isascii():
        return False
    import ftfy  # (only for such rare starts)
    return bool(_HTML_START_STR.match(ftfy.fix_text(text[:lt], normalization=None) + text[lt:4096]))


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _gunzip(data: bytes, limit: int) -> bytes | None:
    """Decompressed content, or None if it exceeds `limit` (a decompression bomb is not read whole)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limit + 1)
    if len(out) > limit or d.unconsumed_tail:
        return None
    out += d.flush()
    if not d.eof:
        raise EOFError("truncated gzip stream")
    return out


def _declared(data: bytes, is_html: bool) -> str | None:
    """The charset the document declares (HTML meta / XML prolog), if Python knows it."""
    from bs4.dammit import EncodingDetector

    enc = EncodingDetector.find_declared_encoding(data[:65536], is_html=is_html, search_entire_document=False)
    return _charset(enc) if enc else None


def _charset(enc: str) -> str | None:
    """Python's name for the charset `enc`, or None when it is unknown or no charset (_NOT_CHARSETS)."""
    try:
        info = codecs.lookup(enc)
    except LookupError:
        return None
    # rot13, base64, zlib...: lookup finds them, bytes.decode refuses them with LookupError
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _guessed(data: bytes) -> str | None:
    """bs4's UnicodeDammit guess (charset-normalizer behind it), only when it decodes cleanly."""
    import logging

    from bs4.dammit import UnicodeDammit

    # Its last resort decodes with U+FFFD and logs a warning that would reach the CLI's stderr as a
    # line naming no file; that result is refused just below anyway.
    log = logging.getLogger("bs4.dammit")
    was, log.disabled = log.disabled, True
    try:
        dammit = UnicodeDammit(data, known_definite_encodings=[], is_html=False)
    finally:
        log.disabled = was
    enc = dammit.original_encoding
    if dammit.unicode_markup is None or dammit.contains_replacement_characters or not enc:
        return None
    return None if enc.replace("_", "-").startswith(("utf-16", "utf-32")) else enc  # those have BOMs/NUL patterns


def _plausible_western(text: str) -> bool:
    """Western European text decoded as cp1252 has few non-ASCII letters; a Cyrillic, Greek or
    Central European file decoded that way is full of them (ÃîðîäñÊîé)."""
    letters = [c for c in text[:20000] if c.isalpha()]
    if len(letters) < 40:  # too little to tell: the common case wins
        return True
    return sum(not c.isascii() for c in letters) / len(letters) < 0.2


def _strict(data: bytes, enc: str) -> str | None:
    """`data` decoded as `enc`, or None. Some codecs raise a bare UnicodeError, and some decode bytes
    to lone surrogates, which no UTF-8 output can hold."""
    try:
        text = data.decode(enc)
    except (UnicodeError, LookupError):
        return None
    return None if _SURROGATE.search(text) else text


class Stage:
    name = "decode"

    def __init__(self, options: Options, ruleset=None):
        self.options = options

    def _skip(self, doc: Document, reason: str) -> Document:
        doc.metadata["skip_reason"] = reason
        doc.raw = None
        return doc

    def __call__(self, doc: Document) -> Document:
        data = doc.raw
        if data is None:  # already text (API call with a str)
            doc.metadata.setdefault("encoding", "unicode")
            doc.metadata.setdefault("format", _suffix_format(doc.id) or ("html" if looks_like_html(doc.text) else "text"))
            return doc
        doc.raw = None
        limit = self.options.max_bytes
        if len(data) > limit:
            return self._skip(doc, "too-large")
        if data[:2] == b"\x1f\x8b":
            try:
                data = _gunzip(data, limit)
            except (zlib.error, EOFError):
                return self._skip(doc, "corrupt-gzip")
            if data is None:
                return self._skip(doc, "too-large")
            doc.metadata["compression"] = "gzip"
        text, encoding = self._decode(data, doc)
        if text is None:
            return self._skip(doc, "binary")
        doc.text = text
        doc.metadata["encoding"] = encoding
        doc.metadata["format"] = _suffix_format(doc.id) or ("html" if looks_like_html(text) else "text")
        return doc

    def _decode(self, data: bytes, doc: Document) -> tuple[str | None, str]:
        for bom, enc in _BOMS:
            if data.startswith(bom):
                try:
                    text = data[len(bom):].decode(enc)
                except UnicodeDecodeError:
                    if enc == "utf-8":  # a UTF-8 BOM before legacy bytes: drop the BOM, guess the rest
                        data = data[len(bom):]
                        doc.edits.append(Edit(self.name, "decode.bom", "remove", before="\ufeff", line=1))
                    break
                doc.edits.append(Edit(self.name, "decode.bom", "remove", before="\ufeff", line=1))
                return text, enc + "-bom"
        enc16 = _utf16_without_bom(data)
        if enc16:
            try:
                return data.decode(enc16), enc16
            except UnicodeDecodeError:
                pass
        if self._binary(data):
            return None, ""
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        is_html = bool(_suffix_format(doc.id)) or bool(_HTML_START.match(data[:4096]))
        declared = _declared(data, is_html)
        if declared and declared not in ("utf-8", "utf-16", "utf-32"):
            text = _strict(data, declared)
            if text is not None:
                return text, declared
        import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252, which decodes every byte

        western = data.decode("sloppy-windows-1252")
        strict_1252 = _strict(data, "cp1252")
        if _plausible_western(western):
            return (strict_1252, "windows-1252") if strict_1252 is not None else (western, "sloppy-windows-1252")
        enc = _guessed(data)
        text = _strict(data, enc) if enc and _charset(enc) else None
        if text is not None:
            return text, enc
        return western, "sloppy-windows-1252"

    def _binary(self, data: bytes) -> bool:
        sample = data[:65536]
        if b"\x00" in sample or (len(data) > 65536 and b"\x00" in data):
            return True
        if not sample:
            return False
        controls = len(sample) - len(sample.translate(None, _CONTROL))
        return controls / len(sample) > self.options.binary_control_ratio
