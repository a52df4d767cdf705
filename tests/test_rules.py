"""The built-in rule files: every rule's examples match and counterexamples do not (one test per
rule id, so a failure names the rule), ids are unique, every rule explains itself, and broken rule
files are refused with an error naming the file and the rule."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cleaner.rules import RuleError, builtin_rule_texts, lint, load_file, load_rules, parse_rules

RULES = load_rules().rules
BY_ID = {r.id: r for r in RULES}


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_examples_match(rule_id):
    rule = BY_ID[rule_id]
    missed = [ex for ex in rule.examples if rule.find(ex) is None]
    assert not missed, f"{rule.source}: {rule_id}: examples that do not match: {missed}"


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_counterexamples_do_not_match(rule_id):
    rule = BY_ID[rule_id]
    wrong = [ex for ex in rule.counterexamples if rule.find(ex) is not None]
    assert not wrong, f"{rule.source}: {rule_id}: counterexamples that match: {wrong}"


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_rule_explains_itself(rule_id):
    rule = BY_ID[rule_id]
    assert rule.reason.strip(), f"{rule_id} has no reason"
    assert len(rule.examples) >= 2, f"{rule_id} needs at least two examples"
    assert len(rule.counterexamples) >= 2, f"{rule_id} needs at least two counterexamples"
    assert re.fullmatch(r"[a-z]+", rule.category), f"{rule_id}: category {rule.category!r} is not one lowercase word"


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_rule_is_guarded(rule_id):
    """Whole-line rules only touch short lines: a paragraph that talks about cookies stays."""
    rule = BY_ID[rule_id]
    if rule.match in ("line", "block"):
        assert rule.max_words is not None and rule.max_words <= 100, f"{rule_id} needs a max_words guard"
    assert rule.lang == "*" or rule.id.startswith(rule.lang + "."), f"{rule_id}: id does not start with its lang"


def test_builtin_lint_is_clean():
    assert lint(load_rules()) == []


def test_ids_unique_and_patterns_compile():
    seen: dict[str, str] = {}
    for name, text in builtin_rule_texts():
        data = tomllib.loads(text)
        for entry in [*data.get("rule", []), *data.get("marker", [])]:
            assert entry["id"] not in seen, f"{entry['id']} in {name} and {seen[entry['id']]}"
            seen[entry["id"]] = name
            re.compile(entry["pattern"])


def test_every_language_is_covered():
    langs = {r.lang for r in RULES}
    assert {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "zh", "ja", "*"} <= langs
    per_lang = {lang: sum(r.lang == lang for r in RULES)
                for lang in ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "zh", "ja")}
    # Chinese and Japanese have fewer: no skip links, section menus, caption controls or embed notes
    cjk = {"zh", "ja"}
    assert per_lang["en"] >= 40, per_lang
    assert all(n >= 20 for lang, n in per_lang.items() if lang not in cjk), per_lang
    assert all(per_lang[lang] >= 12 for lang in cjk), per_lang


def test_documented_ids_exist():
    """Ids the README and config docs cite (disable_rules examples, --explain output)."""
    assert {"en.cookie.notice", "en.navigation.skip_link", "en.share.follow", "en.related.heading"} <= set(BY_ID)


# ---------------------------------------------------------------- broken files are refused
GOOD = '''
[[rule]]
id = "xx.test.ok"
category = "test"
pattern = '^hello$'
max_words = 3
reason = "a test rule"
examples = ["hello"]
counterexamples = ["hello world"]
'''


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "mine.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_user_file_loads(tmp_path):
    rs = load_rules([_write(tmp_path, GOOD)])
    assert rs.by_id("xx.test.ok") is not None and lint(rs) == []


def test_bad_toml_names_the_file(tmp_path):
    p = _write(tmp_path, GOOD + "\n[[rule]\nid = ")
    with pytest.raises(RuleError, match=re.escape(str(p)) + ".*not valid TOML"):
        load_file(p)


def test_bad_regex_names_file_and_rule(tmp_path):
    p = _write(tmp_path, GOOD.replace("'^hello$'", "'^(hello$'"))
    with pytest.raises(RuleError, match=re.escape(str(p)) + r".*xx\.test\.ok.*bad pattern"):
        load_file(p)


def test_unknown_key_names_file_and_rule(tmp_path):
    p = _write(tmp_path, GOOD.replace('max_words = 3', 'max_wrods = 3'))
    with pytest.raises(RuleError, match=re.escape(str(p)) + r".*xx\.test\.ok.*unknown key.*max_wrods"):
        load_file(p)


def test_duplicate_id_names_both_files(tmp_path):
    p = _write(tmp_path, GOOD.replace("xx.test.ok", "en.cookie.notice"))
    with pytest.raises(RuleError, match=re.escape(str(p)) + r".*duplicate rule id 'en\.cookie\.notice'.*rules/en\.toml"):
        load_rules([p])


def test_duplicate_id_within_one_file(tmp_path):
    p = _write(tmp_path, GOOD + GOOD)
    with pytest.raises(RuleError, match=r"duplicate rule id 'xx\.test\.ok'"):
        load_rules([p])


def test_failing_example_is_reported_by_lint(tmp_path):
    p = _write(tmp_path, GOOD.replace('examples = ["hello"]', 'examples = ["goodbye"]'))
    problems = lint(load_file(p))
    assert len(problems) == 1 and str(p) in problems[0] and "xx.test.ok" in problems[0] and "goodbye" in problems[0]


def test_matching_counterexample_is_reported_by_lint():
    rs = parse_rules(GOOD.replace('counterexamples = ["hello world"]', 'counterexamples = ["hello"]'), "inline.toml")
    assert lint(rs) == ["inline.toml: rule xx.test.ok: counterexample matches: 'hello'"]
