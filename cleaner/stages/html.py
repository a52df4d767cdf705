"""html: HTML to plain text, one line per block element, non-content elements dropped.

Output: one line per block element, a blank line between blocks, `<br>` a line break inside its
block, whitespace collapsed inside a line (spacing between inline elements is the page's own, so
"W<b>ord</b>" stays "Word"). Every dropped element with visible text is an Edit: rule
"html.tag.<tag>", "html.role.<role>", "html.hidden", or the id of the class/id marker (rules/*.toml,
[[marker]] tables) that matched.

Guard: the element holding the page's main paragraphs and all its ancestors (plus html, body, main,
article) are never dropped, nor is an element holding half the page's text that is not mostly
links, so `<body class="has-cookie-banner">` or `<form id="aspnetForm">` around a page cannot delete
it. The main article's own <header> (headline, byline) is kept. The main headline (h1) is kept once,
even when it sits in a dropped header.

Speed (benchmarks/html_parsers.py): lxml's libxml2 parser, ~15x faster than BeautifulSoup here.
Python touches each element once to decide drops; the text itself comes from one C-level
`tostring(method="text")` call over a tree whose blocks carry markers made of Unicode noncharacters.

metadata["html_lines"]: per-line DOM hints for the line scorer, aligned 1:1 with the non-blank
output lines; metadata["headline"] and metadata["title"] when the page has them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import Document, Edit
from ..textutil import join_lines

# Elements that start a new line (blocks in a browser's rendering).
BLOCK = ("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
         "dir", "div", "dl", "dt", "fieldset", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr",
         "html", "legend", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table", "tbody",
         "td", "tfoot", "th", "thead", "tr", "ul")
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# Never visible text: removed before anything else, no edit (their content is code, not page text).
SILENT = ("script", "style", "template", "head", "title", "meta", "link", "base")
# Visible but not content: dropped with an edit "html.tag.<tag>".
DROP_TAGS = frozenset(("noscript", "svg", "nav", "header", "footer", "aside", "form", "figcaption", "button",
                       "select", "option", "textarea", "input", "iframe", "object", "embed", "canvas", "video",
                       "audio", "map", "dialog"))
# ARIA landmark roles that mark the same things as the tags above.
DROP_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "dialog",
                        "alertdialog", "menu", "menubar", "tablist"))
NEVER_DROP = frozenset(("html", "body", "main", "article"))
# Marker categories that never wrap an article: a paragraph group inside one is not the main text.
_BOX_CATEGORIES = frozenset(("cookie", "consent", "subscribe", "popup", "footer", "paywall"))
# CMS taxonomy classes ("category-social-media", "tag-internet-sharing") name a topic, not a box.
_TAXONOMY = re.compile(r"(?:category|tags?|post_tag|topics?|keywords?)[-_]", re.I)
# State classes ("modal-enabled", "has-sidebar", "share-trigger") describe the page, not a box.
_STATE = re.compile(r"^(?:has|with|no)[-_]|[-_](?:enabled|disabled|active|trigger|toggle|open|opened|loaded)$", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# The article region (_Page._region): climb while each step adds a quarter more paragraph text, of
# which at most this share is link text (container metrics on the dev pages, 2026-12-08).
REGION_GROWTH, REGION_LINKS = 1.25, 0.3
_PARA_TAGS = ("p", "div", "td", "li", "dd", "blockquote", "pre", "section", "font", "center")
# Markers put into the tree's text: Unicode noncharacters, reserved for exactly such internal use
# (lxml refuses control characters in text, so NUL cannot serve).
_MARK = re.compile("\ufdd0([^\ufdd1]*)\ufdd1")
_BR, _A_ON, _A_OFF = "\ufdd0b\ufdd1", "\ufdd0a\ufdd1", "\ufdd0/\ufdd1"
_INVISIBLE = " \u200b\u200c\u200d\u2060\u00ad\ufeff" + "".join(map(chr, [*range(0x20), *range(0x7f, 0xa0)]))
_HSPACE = re.compile(r"[^\S\n]+")
# Characters lxml refuses in text it is given (its parser keeps them).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]+")
# Raw-text elements whose missing end tag makes a parser swallow the rest of the page.
_RAWTEXT = ("title", "textarea", "style", "script", "xmp", "noembed", "noframes", "iframe", "noscript")
_SWALLOWING = frozenset(("textarea", "xmp", "iframe", "noembed", "noframes"))
_NEXT_TAG = re.compile(r"<[a-zA-Z/!]")
_RAW_OPEN = re.compile(r"<(script|style|title|template)\b")
_TAG_STRIP = re.compile(r"<[^<>]*>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|h[1-6]|td|th|tr|br|blockquote|pre|dt|dd|section|article|table|ul|ol)\b[^<>]*>",
                        re.I)


@dataclass(frozen=True)
class Options:
    drop_hidden: bool = True  # hidden attribute, aria-hidden="true", display:none / visibility:hidden
    drop_markers: bool = True  # elements whose class/id matches a [[marker]] of the rule files
    keep_headline: bool = True  # keep the main h1 once even when its container is dropped


def _collapse(s: str) -> str:
    return " ".join(s.split())


def _text(el) -> str:
    from lxml import etree

    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _size(el) -> int:
    """Visible characters of `el`, whitespace not counted."""
    return sum(map(len, _text(el).split()))


def _hidden(el) -> bool:
    """Hidden from readers. Collapsed accordion/tab panels (role region/tabpanel, aria-labelledby,
    hidden="until-found") are hidden only until a click: they are content."""
    hidden = el.get("hidden")
    if hidden is not None:
        return hidden.strip().lower() != "until-found"
    aria = el.get("aria-hidden")
    if aria is not None and aria.strip().lower() == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return el.get("role") not in ("region", "tabpanel") and el.get("aria-labelledby") is None
    return False


def _set_text(el, attr: str, value: str, clean) -> None:
    """Set el.text or el.tail (`attr`) to `value`, cleaned if lxml refuses it (a parsed tree can hold
    control characters that lxml will not take back; the value is built before the set, which loses
    the old text when it fails)."""
    try:
        setattr(el, attr, value)
    except ValueError:
        setattr(el, attr, clean(value))


def _prefix(el, attr: str, marker: str, clean) -> None:
    """Put `marker` before el.text or el.tail (`attr`)."""
    _set_text(el, attr, marker + (getattr(el, attr) or ""), clean)


def _lines_of(marked: str) -> str:
    """Marked text as its non-empty collapsed lines (an edit's `before`)."""
    marked = marked.replace(_A_ON, "").replace(_A_OFF, "")  # links are inline: no line break
    return "\n".join(filter(None, map(str.strip, _HSPACE.sub(" ", _MARK.sub("\n", marked)).split("\n"))))


def repair_rawtext(markup: str) -> str:
    """Close raw-text elements (<title>, <textarea>, <script>...) left open, at the next tag, so a
    parser does not swallow the rest of the page into them. One left-to-right pass per tag (hostile
    pages with thousands of unclosed tags stay linear)."""
    import bisect

    for tag in _RAWTEXT:
        closers = [m.start() for m in re.finditer(rf"</{tag}\s*>", markup, re.I)]
        out, pos = [], 0
        for m in re.finditer(rf"<{tag}\b[^<>]*>", markup, re.I):
            if m.start() < pos:
                continue  # inside the raw text of an element already passed
            k = bisect.bisect_left(closers, m.end())
            close = closers[k] if k < len(closers) else None
            nxt = _NEXT_TAG.search(markup, m.end())
            # script/style may hold "<" legitimately: only a missing end tag counts as broken there
            if close is not None and (tag in ("script", "style") or nxt is None or close <= nxt.start()):
                pos = close
                continue
            at = nxt.start() if nxt is not None else len(markup)
            out += [markup[pos:at], f"</{tag}>"]
            pos = at
        if out:
            markup = "".join(out) + markup[pos:]
    return markup


def rough_text(markup: str) -> str:
    """Tag-stripped text of raw markup, blocks as blank lines: the yardstick for "the parse lost the
    page", and the last resort when no parse recovers it. Linear: no regex here can backtrack."""
    import html

    low = markup.lower()
    parts, pos, unclosed = [], 0, set()
    while True:  # drop script/style/title/template elements (an unclosed one: just its opening tag)
        m = _RAW_OPEN.search(low, pos)
        if m is None:
            break
        tag = m.group(1)
        end = -1 if tag in unclosed else low.find(f"</{tag}", m.end())
        if end < 0:
            unclosed.add(tag)  # no end tag after here, so none after any later opening either
            gt = low.find(">", m.end())
            end = len(low) if gt < 0 else gt + 1
        parts.append(markup[pos:m.start()])
        pos = end
    parts.append(markup[pos:])
    text = _BLOCK_TAG.sub("\n\n", "".join(parts))
    return html.unescape(_TAG_STRIP.sub(" ", text))


class _Page:
    """One parsed page: drop decisions, then text extraction with per-line hints."""

    def __init__(self, stage: "Stage", root):
        self.stage, self.root = stage, root
        body = root.find("body")
        self.body = root if body is None else body
        self.body_size = _size(self.body)
        # text a parser swallowed into a raw-text element (an unclosed <textarea>) is not page text
        swallowed = sum(_size(el) for el in self.body.iter(*_SWALLOWING))
        self.usable = self.body_size - swallowed
        self.p_chars = {p: len(_text(p).strip()) for p in self.body.iter("p")}  # paragraph -> its text's length
        self.main = self._main_container()
        self.protected = set(self.main.iterancestors()) | {self.main} if self.main is not None else set()
        self.region = self._region()
        self.main_depth = sum(1 for _ in self.region.iterancestors()) if self.region is not None else -1
        self.main_share = min(1.0, _size(self.region) / self.usable) if self.region is not None and self.usable > 0 else 0.0
        self.headline = self._headline() if stage.options.keep_headline else None
        self.headline_text = _collapse(_text(self.headline)) if self.headline is not None else ""
        self.edits: list[Edit] = []
        self.lines: list[str] = []
        self.hints: list[dict] = []
        self._memo: dict = {}

    # -- the article guard ----------------------------------------------------------------------
    def _main_container(self):
        """The parent of the most paragraph text. A <p> counts its text; without real <p>s (old
        table layouts, CNN-style <div> paragraphs) elements count the text they hold directly. A
        candidate inside a box that never wraps an article (cookie notice, footer, nav...) and is not
        page-wide is passed over: a long consent text must not win over an article made of tables."""
        score: dict = {}
        for p, n in self.p_chars.items():
            parent = p.getparent()
            if parent is not None:
                score[parent] = score.get(parent, 0) + n
        best = self._pick(score)
        if best is None or score[best] < 400:
            score = {}
            for el in self.body.iter(*_PARA_TAGS):
                if el.tag == "p":
                    n = len(_text(el).strip())
                else:
                    n = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
                parent = el.getparent()
                if n >= 10 and parent is not None:
                    score[parent] = score.get(parent, 0) + n
            alt = self._pick(score)
            best = alt if alt is not None else best
        return best

    def _region(self):
        """The article's whole body around the main container: its ancestors up to the one past which
        paragraph text stops growing by a quarter or grows by link text. Site builders put each few
        paragraphs in a box of their own (Squarespace, Elementor, Gutenberg groups), so the parent
        of the most paragraph text can hold a fifth of an article; the line model reads "outside the
        main container" as furniture. Only the hints use it: what is guarded from drops stays the
        main container and its ancestors."""
        main = self.main
        if main is None:
            return None
        chain = [main, *main.iterancestors()]
        level = {el: k for k, el in enumerate(chain)}
        chars, links = [0] * len(chain), [0] * len(chain)
        for p, n in self.p_chars.items():
            for a in p.iterancestors():
                k = level.get(a)
                if k is not None:
                    chars[k] += n
                    links[k] += sum(len(_text(x).strip()) for x in p.iter("a"))
                    break
        k, size, linked = 0, chars[0], links[0]
        if not size:
            return main
        known: dict[int, int] = {}

        def sizes(j: int) -> int:  # (whole-subtree text: each level's worked out once, if at all)
            if j not in known:
                known[j] = _size(chain[j])
            return known[j]
        while k + 1 < len(chain) and chain[k + 1].tag not in ("body", "html"):
            more, more_links = size + chars[k + 1], linked + links[k + 1]
            if more >= REGION_GROWTH * size:
                if more_links - linked > REGION_LINKS * (more - size) or self.stage.boxes(chain[k + 1]):
                    break
            elif more > 1.02 * size or sizes(k + 1) >= 1.3 * sizes(k):
                break  # (a wrapper that adds nothing is climbed through)
            k, size, linked = k + 1, more, more_links
        return chain[k]

    def _pick(self, score: dict):
        ranked = sorted(score, key=score.get, reverse=True)[:5]
        for cand in ranked:
            if not any(self.stage.boxes(a) and _size(a) < 0.5 * self.body_size
                       for a in (cand, *cand.iterancestors()) if a.tag not in NEVER_DROP):
                return cand
        return ranked[0] if ranked else None

    def _headline(self):
        """The main h1: the first non-empty one inside the article/main area, else the first."""
        first = None
        for h in self.body.iter("h1"):
            if not _text(h).strip():
                continue
            if first is None:
                first = h
            if any(a.tag in ("article", "main") or a in self.protected for a in h.iterancestors()):
                return h
        return first

    # -- drops ------------------------------------------------------------------------------------
    def find_drops(self) -> list[tuple[object, str]]:
        """(element, rule) for each outermost element to drop, guard applied. Runs on the marked
        tree: sizes ignore the markers."""
        from lxml import etree

        drops = []
        walker = etree.iterwalk(self.root, events=("start",))
        rule_for, protected = self.stage.rule_for, self.protected
        half = 0.5 * self.body_size
        for _, el in walker:
            tag = el.tag
            if not isinstance(tag, str) or tag in NEVER_DROP or el in protected:
                continue
            rule = rule_for(el)
            if rule is None:
                continue
            if tag == "header" and any(a in protected for a in el.iterancestors("article", "main")):
                continue  # the main article's own header: headline, byline, date, standfirst
            if rule.startswith("html.marker.") and next(el.iterancestors("pre", "code"), None) is not None:
                continue  # inside code, class names describe syntax ("hljs-comment"), not page furniture
            if half and tag not in _SWALLOWING and self._wrapper(el, half):
                continue  # holds half the page, and not as links: a wrapper, not a box
            drops.append((el, rule))
            walker.skip_subtree()
        return drops

    @staticmethod
    def _wrapper(el, half: float) -> bool:
        text = _text(el)
        if len(text) < half:
            return False
        size = sum(map(len, _MARK.sub("", text).split()))
        if size < max(half, 200):
            return False
        links = sum(sum(map(len, _MARK.sub("", _text(a)).split())) for a in el.iter("a"))
        return links < 0.5 * size

    def rescue_headline(self, drops) -> None:
        """Move the main h1 out of a dropped container to just before it (its tail stays put)."""
        h = self.headline
        if h is None:
            return
        path = {h, *h.iterancestors()}
        for el, _ in drops:
            if el in path and el is not h:  # (a dropped h1 that is the headline itself is kept in place)
                if h.tail:
                    prev, parent = h.getprevious(), h.getparent()
                    if prev is not None:
                        _set_text(prev, "tail", (prev.tail or "") + h.tail, self._clean)
                    else:
                        _set_text(parent, "text", (parent.text or "") + h.tail, self._clean)
                    h.tail = None
                el.addprevious(h)
                return

    # -- text -------------------------------------------------------------------------------------
    def mark(self) -> list:
        """Put markers into the tree: block start/end (with the block's index), <br>, links; newlines
        inside <pre> become <br>s. Returns the blocks by index."""
        blocks = list(self.root.iter(*BLOCK))
        clean = self._clean
        for k, el in enumerate(blocks):
            _prefix(el, "text", f"\ufdd0s{k}\ufdd1", clean)
            _prefix(el, "tail", f"\ufdd0e{k}\ufdd1", clean)
        for br in self.root.iter("br"):
            _prefix(br, "tail", _BR, clean)
        for a in self.root.iter("a"):
            _prefix(a, "text", _A_ON, clean)
            _prefix(a, "tail", _A_OFF, clean)
        for pre in self.root.iter("pre"):
            for e in pre.iter():
                if e.text and "\n" in e.text:
                    e.text = clean(e.text).replace("\n", _BR)
                if e is not pre and e.tail and "\n" in e.tail:
                    e.tail = clean(e.tail).replace("\n", _BR)
        return blocks

    def _clean(self, t: str | None) -> str:
        """`t` without the characters lxml refuses in text (C0 controls...), recorded as an edit."""
        if not t:
            return ""
        found = _UNSAFE.findall(t)
        if found:
            self.edits.append(Edit("html", "html.control_chars", "remove", before="".join(found)))
            t = _UNSAFE.sub("", t)
        return t

    def extract(self, blocks: list) -> None:
        """Lines and hints from the marked tree: one C-level text dump, split at the markers."""
        pieces = _MARK.split(_text(self.root))
        index = None
        hints: dict[int, dict] = {}
        buf: list[str] = []
        ctx = -1  # the block whose line is in `buf`
        cur, ended = -1, False  # the last block marker: inside block `cur`, or just after its end
        in_link = links = 0
        sep = 0  # owed before the next line: 0 nothing, 1 line break, 2 blank line
        headline, headline_seen = self.headline_text, False
        for i, piece in enumerate(pieces):
            if not i % 2:  # text
                if not buf and (not piece or piece.isspace()):
                    continue
                if not buf:
                    if ended:  # text after a block's end belongs to the enclosing block
                        if index is None:
                            index = {el: k for k, el in enumerate(blocks)}
                        cur = index.get(next(blocks[cur].iterancestors(*BLOCK), None), -1) if cur >= 0 else -1
                        ended = False
                    ctx = cur
                buf.append(piece)
                if in_link:
                    links += len(piece.strip())
                continue
            kind = piece[0]
            if kind == "a":
                in_link += 1
                continue
            if kind == "/":
                in_link -= in_link > 0
                continue
            if buf:
                line = _collapse("".join(buf))
                buf = []
                if line and not line.strip(_INVISIBLE):  # only zero-width/control characters: no line
                    self.edits.append(Edit("html", "html.invisible_line", "remove", before=line))
                    line = ""
                if line:
                    if ctx not in hints:
                        hints[ctx] = self._hint(blocks, ctx)
                    hint = dict(hints[ctx])
                    is_headline = hint["tag"] == "h1" and line == headline
                    if is_headline and headline_seen:
                        self.edits.append(Edit("html", "html.headline.repeat", "remove", before=line))
                    else:
                        headline_seen |= is_headline
                        if sep == 2 and self.lines:
                            self.lines.append("")
                        self.lines.append(line)
                        hint["chars"], hint["link_chars"] = len(line), min(links, len(line))
                        self.hints.append(hint)
                        sep = 0
                links = 0
            if kind == "b":
                sep = sep or 1
                continue
            sep = 2
            cur, ended = int(piece[1:]), kind == "e"

    def _hint(self, blocks: list, k: int) -> dict:
        if k < 0:
            return {"tag": "", "depth": 0, "in_article": False, "in_main": False, "heading": False, "li": False,
                    "class_hint": "", "in_best": False, "best_rel": -1, "best_share": self.main_share}
        el = blocks[k]
        depth, art, main, head, li, classes, best = self._summary(el)
        return {"tag": el.tag, "depth": depth, "in_article": art, "in_main": main, "heading": head, "li": li,
                "class_hint": _collapse(" ".join(classes)).lower()[:100], "in_best": best,
                "best_rel": depth - self.main_depth if best else -1, "best_share": self.main_share}

    def _summary(self, el) -> tuple:
        """(depth, in article, in main, in heading, in li, class+id of the nearest 3 blocks, inside the
        main container) of `el`, memoised along the ancestor chain so each element is looked at once per page."""
        memo = self._memo
        chain = []
        while el is not None and el not in memo:
            chain.append(el)
            el = el.getparent()
        acc = memo[el] if el is not None else (-1, False, False, False, False, (), False)
        best_el = self.region
        for e in reversed(chain):
            depth, art, main, head, li, classes, best = acc
            tag = e.tag
            if tag in BLOCK and tag not in ("html", "body"):
                c = f"{e.get('class', '')} {e.get('id', '')}".strip()
                if c:
                    classes = (c, *classes)[:3]
            acc = (depth + 1, art or tag == "article" or e.get("itemprop") == "articleBody",
                   main or tag == "main" or e.get("role") == "main", head or tag in HEADINGS, li or tag == "li",
                   classes, best or e is best_el)
            memo[e] = acc
        return acc


class Stage:
    name = "html"

    def __init__(self, options: Options, ruleset=None):
        self.options = options
        self.ruleset = ruleset
        self._markers: dict[str, str | None] = {}  # class/id value -> marker id: a pure function of the rules
        self._tokens: dict[str, str | None] = {}
        self._markers_on = options.drop_markers and ruleset is not None and bool(ruleset.markers)
        self._parser = None

    # -- decisions (no guard here; see _Page.find_drops) -------------------------------------------
    def rule_for(self, el) -> str | None:
        """Why `el` is not content (a rule id), or None."""
        tag = el.tag
        if tag in DROP_TAGS:
            return f"html.tag.{tag}"
        get = el.get
        role = get("role")
        if role is not None and role.strip().lower() in DROP_ROLES:
            return f"html.role.{role.strip().lower()}"
        if self.options.drop_hidden and (get("hidden") is not None or get("aria-hidden") is not None
                                         or get("style") is not None) and _hidden(el):
            return "html.hidden"
        if self._markers_on:
            cls, ident = get("class"), get("id")
            if cls is not None or ident is not None:
                value = f"{cls or ''} {ident or ''}"
                try:
                    return self._markers[value]
                except KeyError:
                    return self.marker_id(value)
        return None

    def marker_id(self, value: str) -> str | None:
        """The marker id for a "class id" value: the first class token (then the id) that a marker
        matches; topic (taxonomy) and state tokens are never markers. Results are cached per value and per token (pure functions of the rules; the
        combined marker regex is what costs, and tokens repeat across a site's pages)."""
        tokens = self._tokens
        found = None
        for tok in value.split():
            try:
                m = tokens[tok]
            except KeyError:
                m = None
                if not _TAXONOMY.match(tok) and not _STATE.search(tok):
                    hit = self.ruleset.marker_for(tok)
                    m = hit.id if hit is not None else None
                if len(tokens) > 200_000:
                    tokens.clear()
                tokens[tok] = m
            if m is not None:
                found = m
                break
        if len(self._markers) > 100_000:
            self._markers.clear()
        self._markers[value] = found
        return found

    def boxes(self, el) -> bool:
        """`el` is dropped for a reason that never applies to an article's wrapper."""
        rule = self.rule_for(el)
        if rule is None or rule in ("html.tag.form", "html.hidden"):  # broken markup nests pages in these
            return False
        if not rule.startswith("html.marker."):
            return True
        return self.ruleset.category(rule) in _BOX_CATEGORIES

    # -- the stage --------------------------------------------------------------------------------
    def __call__(self, doc: Document) -> Document:
        if doc.metadata.get("format") != "html":
            return doc
        markup = doc.text
        if "\ufdd0" in markup or "\ufdd1" in markup:  # our markers' characters (noncharacters: junk)
            found = "".join(re.findall("[\ufdd0\ufdd1]", markup))
            doc.edits.append(Edit("html", "html.control_chars", "remove", before=found))
            markup = markup.replace("\ufdd0", "").replace("\ufdd1", "")
        page = self._extract(markup)
        if page is None or page.usable < 1000:  # little text: did the parse lose the page (unclosed <title>)?
            rough = rough_text(markup)
            size = sum(map(len, rough.split()))
            if size and (page is None or page.usable < 0.5 * size):
                retry = self._extract(repair_rawtext(markup))
                if retry is not None and (page is None or retry.usable > page.usable):
                    page = retry
                if page is None or page.usable < 0.2 * size:
                    page = _fallback(rough)
        doc.text = join_lines(page.lines) if page is not None else ""
        doc.metadata["html_lines"] = page.hints if page is not None else []
        if page is not None:
            doc.edits.extend(page.edits)
            for key in ("headline", "title"):
                if getattr(page, key + "_text", ""):
                    doc.metadata[key] = getattr(page, key + "_text")
        return doc

    def _extract(self, markup: str) -> "_Page | None":
        from lxml import etree

        if self._parser is None:
            self._parser = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8",
                                            huge_tree=True, no_network=True)
        try:
            root = etree.fromstring(markup.encode("utf-8", "surrogatepass"), self._parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None
        if root is None:
            return None
        title = root.find("head/title")
        title_text = _collapse(_text(title)) if title is not None else ""
        etree.strip_elements(root, *SILENT, with_tail=False)
        page = _Page(self, root)
        page.title_text = title_text
        blocks = page.mark()
        drops = page.find_drops()
        page.rescue_headline(drops)
        for el, rule in drops:
            if el is page.headline:
                continue
            before = _lines_of(_text(el))
            if before:
                page.edits.append(Edit("html", rule, "remove", before=before))
            el.clear(keep_tail=True)  # (cheaper than removing; its tail keeps the block-end marker)
        page.extract(blocks)
        return page


class _Fallback:
    def __init__(self):
        self.usable = 0
        self.lines: list[str] = []
        self.hints: list[dict] = []
        self.edits: list[Edit] = []
        self.headline_text = self.title_text = ""


def _fallback(rough: str) -> _Fallback:
    """Last resort for markup no parse recovers: the tag-stripped text, one line per block."""
    page = _Fallback()
    for block in rough.split("\n\n"):
        line = _collapse(block)
        if line:
            if page.lines:
                page.lines.append("")
            page.lines.append(line)
            page.hints.append({"tag": "p", "depth": 0, "in_article": False, "in_main": False, "heading": False,
                               "li": False, "class_hint": "", "chars": len(line), "link_chars": 0})
    return page
