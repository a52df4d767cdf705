"""Loading and validating rule files (rules/*.toml and user files).

Two tables live in a rule file:
  [[rule]]    a line-level pattern (match = line | prefix | suffix | block), see DESIGN.md
  [[marker]]  a class/id marker for the html stage: elements whose class or id matches are dropped
Every entry carries examples that must match and counterexamples that must not; `lint` checks them.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable

MATCH_KINDS = ("line", "prefix", "suffix", "block")
RULE_KEYS = {"id", "category", "lang", "match", "pattern", "max_words", "min_words", "reason",
             "examples", "counterexamples"}
RULE_REQUIRED = {"id", "category", "pattern", "reason", "examples", "counterexamples"}
MARKER_KEYS = {"id", "category", "pattern", "reason", "examples", "counterexamples"}
_ID_RE = re.compile(r"^[a-z*][a-z0-9_*-]*(\.[a-z0-9_-]+)+$")
_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


class RuleError(ValueError):
    """A rule file is invalid; the message names the file and, where known, the rule."""


def scoped(pattern: str) -> str:
    """Turn a leading global flag group `(?i)x` into a scoped one `(?i:x)`, so patterns can be
    joined into one alternation (global flags are only legal at the very start)."""
    m = _LEADING_FLAGS.match(pattern)
    if not m:
        return f"(?:{pattern})"
    return f"(?{m.group(1)}:{pattern[m.end():]})"


BLOCK_PREFIX = "block."  # a block heading rule's pulled-in lines are cited as "block.<its id>"


def source_rule(rule_id: str) -> str:
    """The rule file's id behind an edit's rule id (a pulled-in block line names its heading's rule)."""
    return rule_id[len(BLOCK_PREFIX):] if rule_id.startswith(BLOCK_PREFIX) else rule_id


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    pattern: str
    reason: str
    lang: str = "*"
    match: str = "line"
    max_words: int | None = None
    min_words: int | None = None
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    source: str = ""
    regex: re.Pattern = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def fits(self, line: str) -> bool:
        n = _words(line)
        return (self.max_words is None or n <= self.max_words) and (self.min_words is None or n >= self.min_words)

    def find(self, line: str) -> tuple[int, int] | None:
        """The span this rule removes from `line`, or None. A line/block rule removes the whole line;
        a prefix rule a leading fragment (must match at the start); a suffix rule a trailing one."""
        if self.match in ("line", "block"):
            if self.fits(line) and self.regex.search(line):
                return (0, len(line))
            return None
        if self.match == "prefix":
            m = self.regex.match(line)
            if m and m.end() > 0 and self.fits(line[: m.end()]):
                return (0, m.end())
            return None
        for m in self.regex.finditer(line):  # suffix: the match must reach the end (trailing space aside)
            if m.end() > m.start() and not line[m.end():].strip() and self.fits(line[m.start():]):
                return (m.start(), len(line))
        return None


@dataclass(frozen=True, slots=True)
class Marker:
    id: str
    category: str
    pattern: str
    reason: str
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    source: str = ""
    regex: re.Pattern = field(default=None, compare=False, repr=False)  # type: ignore[assignment]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    markers: tuple[Marker, ...] = ()

    def by_id(self, rule_id: str) -> Rule | Marker | None:
        return self._index.get(rule_id)

    @cached_property
    def _index(self) -> dict[str, Rule | Marker]:
        return {r.id: r for r in (*self.rules, *self.markers)}

    def category(self, rule_id: str, default: str = "") -> str:
        r = self._index.get(rule_id)
        return r.category if r else default

    def reason(self, rule_id: str, default: str = "") -> str:
        r = self._index.get(rule_id)
        return r.reason if r else default

    @cached_property
    def marker_regex(self) -> re.Pattern | None:
        """One alternation of every marker, matched against an element's class and id values."""
        if not self.markers:
            return None
        return re.compile("|".join(scoped(m.pattern) for m in self.markers))

    def marker_for(self, value: str) -> Marker | None:
        rx = self.marker_regex
        if rx is None or not rx.search(value):
            return None
        return next((m for m in self.markers if m.regex.search(value)), None)


def _compile(pattern: str, where: str) -> re.Pattern:
    # re.compile raises more than re.error on hostile patterns: OverflowError for a repeat count
    # beyond C int (x{4294967296}), RecursionError for deep nesting (sre_parse recurses per group).
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as e:
        raise RuleError(f"{where}: bad pattern: {type(e).__name__}: {e}") from None


def _str_list(entry: dict, key: str, where: str) -> tuple[str, ...]:
    v = entry.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise RuleError(f"{where}: '{key}' must be a list of strings")
    return tuple(v)


def _check_keys(entry: dict, allowed: set[str], required: set[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(allowed)}")
    missing = required - set(entry)
    if missing:
        raise RuleError(f"{where}: missing key(s) {sorted(missing)}")
    for k in ("id", "category", "pattern", "reason", "lang", "match"):
        if k in entry and not isinstance(entry[k], str):
            raise RuleError(f"{where}: '{k}' must be a string")
    if "id" in entry and not _ID_RE.match(entry["id"]):
        raise RuleError(f"{where}: id {entry['id']!r} must look like 'lang.category.name' (lowercase, dotted)")


def _where(source: str, table: str, i: int, entry: object) -> str:
    """How messages cite an entry: its position always (an id may be missing or not a string), its id
    when it has one."""
    rid = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(rid, str):
        return f"{source}: {table} #{i + 1}"
    return f"{source}: {table} #{i + 1} ({rid if _ID_RE.match(rid) else repr(rid[:60])})"  # repr: one line


def _entries(data: dict, table: str, source: str) -> list[tuple[str, dict]]:
    """(where, entry) for each [[table]] entry; `rule = 5` or `[rule]` parse as TOML but are no
    array of tables."""
    items = data.get(table, [])
    if not isinstance(items, list):
        raise RuleError(f"{source}: '{table}' must be an array of tables ([[{table}]]), not {type(items).__name__}")
    out = []
    for i, entry in enumerate(items):
        where = _where(source, table, i, entry)
        if not isinstance(entry, dict):
            raise RuleError(f"{where}: must be a table ([[{table}]]), not {type(entry).__name__}")
        out.append((where, entry))
    return out


def _word_count(entry: dict, key: str, where: str) -> int | None:
    v = entry.get(key)
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
        raise RuleError(f"{where}: '{key}' must be a non-negative integer")
    return v


def _examples(entry: dict, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    examples = _str_list(entry, "examples", where)
    counter = _str_list(entry, "counterexamples", where)
    if not examples:
        raise RuleError(f"{where}: needs at least one example")
    if not counter:
        raise RuleError(f"{where}: needs at least one counterexample")
    return examples, counter


def _rule(entry: dict, where: str, source: str) -> Rule:
    _check_keys(entry, RULE_KEYS, RULE_REQUIRED, where)
    match = entry.get("match", "line")
    if match not in MATCH_KINDS:
        raise RuleError(f"{where}: match {match!r} is not one of {list(MATCH_KINDS)}")
    max_words, min_words = _word_count(entry, "max_words", where), _word_count(entry, "min_words", where)
    examples, counter = _examples(entry, where)
    return Rule(id=entry["id"], category=entry["category"], pattern=entry["pattern"], reason=entry["reason"],
                lang=entry.get("lang", "*"), match=match, max_words=max_words, min_words=min_words,
                examples=examples, counterexamples=counter, source=source, regex=_compile(entry["pattern"], where))


def _marker(entry: dict, where: str, source: str) -> Marker:
    _check_keys(entry, MARKER_KEYS, RULE_REQUIRED, where)
    examples, counter = _examples(entry, where)
    return Marker(id=entry["id"], category=entry["category"], pattern=entry["pattern"], reason=entry["reason"],
                  examples=examples, counterexamples=counter, source=source, regex=_compile(entry["pattern"], where))


def _load_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"{source}: not valid TOML: {e}") from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise RuleError(f"{source}: not valid TOML: nested too deeply") from None


def parse_rules(text: str, source: str) -> RuleSet:
    """Parse one rule file's text. Raises RuleError naming the file and rule on any problem."""
    data = _load_toml(text, source)
    unknown = set(data) - {"rule", "marker"}
    if unknown:
        raise RuleError(f"{source}: unknown table(s) {sorted(unknown)}; valid: ['marker', 'rule']")
    rules = tuple(_rule(e, where, source) for where, e in _entries(data, "rule", source))
    markers = tuple(_marker(e, where, source) for where, e in _entries(data, "marker", source))
    seen: set[str] = set()
    for r in (*rules, *markers):
        if r.id in seen:  # reports and edits cite rules by id: two with one id would be ambiguous
            raise RuleError(f"{source}: duplicate rule id {r.id!r} within the file")
        seen.add(r.id)
    return RuleSet(rules, markers)


def lint(ruleset: RuleSet) -> list[str]:
    """Problems with examples/counterexamples, one message per failing case."""
    problems = []
    for r in ruleset.rules:
        for ex in r.examples:
            if r.find(ex) is None:
                problems.append(f"{r.source}: rule {r.id}: example does not match: {ex!r}")
        for ex in r.counterexamples:
            if r.find(ex) is not None:
                problems.append(f"{r.source}: rule {r.id}: counterexample matches: {ex!r}")
    for m in ruleset.markers:
        for ex in m.examples:
            if not m.regex.search(ex):
                problems.append(f"{m.source}: marker {m.id}: example does not match: {ex!r}")
        for ex in m.counterexamples:
            if m.regex.search(ex):
                problems.append(f"{m.source}: marker {m.id}: counterexample matches: {ex!r}")
    return problems


def merge(sets: Iterable[RuleSet], disabled: Iterable[str] = ()) -> RuleSet:
    """Join rule sets; a duplicate id is an error (naming both files); disabled ids are dropped."""
    seen: dict[str, str] = {}
    rules, markers = [], []
    for s in sets:
        for r in (*s.rules, *s.markers):
            if r.id in seen:
                raise RuleError(f"{r.source}: duplicate rule id {r.id!r} (also in {seen[r.id]})")
            seen[r.id] = r.source
        rules.extend(s.rules)
        markers.extend(s.markers)
    off = set(disabled)
    unknown = off - set(seen)
    if unknown:
        raise RuleError(f"disable_rules names unknown rule id(s): {sorted(unknown)}")
    return RuleSet(tuple(r for r in rules if r.id not in off), tuple(m for m in markers if m.id not in off))


def builtin_rule_texts() -> list[tuple[str, str]]:
    """(name, text) of the rule files shipped with the package, sorted by name.

    Installed, they are package data in `cleaner._rules`; in a source checkout (tests run before
    install) they are read from the top-level rules/ folder beside the package."""
    try:
        root = resources.files("cleaner._rules")
        files = [f for f in root.iterdir() if f.name.endswith(".toml")]
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "rules"
        files = list(root.glob("*.toml")) if root.is_dir() else []
    return sorted((f"rules/{f.name}", f.read_text(encoding="utf-8")) for f in files)


def load_file(path: Path) -> RuleSet:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RuleError(f"{path}: cannot read rule file: {e}") from None
    return parse_rules(text, str(path))


def load_rules(extra_files: Iterable[Path] = (), disabled: Iterable[str] = ()) -> RuleSet:
    sets = [parse_rules(text, name) for name, text in builtin_rule_texts()]
    sets += [load_file(Path(p)) for p in extra_files]
    return merge(sets, disabled)
