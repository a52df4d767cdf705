"""Config: defaults, discovery, strict validation."""
from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.config import Config, ConfigError, discover, from_mapping, load_config, read_file
from cleaner.stages import ORDER


def test_defaults_enable_every_stage_in_order() -> None:
    c = Config()
    assert c.enabled == ORDER
    assert set(c.options) == set(ORDER)


def test_unknown_top_key_names_valid_ones() -> None:
    with pytest.raises(ConfigError) as e:
        from_mapping({"max_byts": 3}, "x.toml")
    msg = str(e.value)
    assert "x.toml" in msg and "max_byts" in msg and "rule_files" in msg and "boilerplate" in msg


def test_unknown_stage_option_names_valid_ones() -> None:
    with pytest.raises(ConfigError) as e:
        from_mapping({"normalize": {"nfd": True}}, "x.toml")
    assert "nfd" in str(e.value) and "nfc" in str(e.value) and "enabled" in str(e.value)


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(ConfigError, match="must be of type bool"):
        from_mapping({"normalize": {"nfc": "yes"}})
    with pytest.raises(ConfigError, match="enabled must be true or false"):
        from_mapping({"language": {"enabled": 0}})


def test_stage_can_be_disabled_and_options_set() -> None:
    c = from_mapping({"language": {"enabled": False}, "normalize": {"strip_indent": False}})
    assert "language" not in c.enabled and c.enabled[0] == "decode"
    assert c.options["normalize"].strip_indent is False


def test_list_option_becomes_tuple_and_is_validated() -> None:
    assert from_mapping({"language": {"keep": ["en", "de"]}}).options["language"].keep == ("en", "de")
    with pytest.raises(ConfigError, match="invalid language"):
        from_mapping({"language": {"keep": ["e n"]}})


def test_rule_files_are_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text("", encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('rule_files = ["extra.toml"]\n', encoding="utf-8")
    c = read_file(tmp_path / "cleaner.toml")
    assert c.rule_files == (tmp_path / "extra.toml",)
    (tmp_path / "cleaner.toml").write_text('rule_files = ["missing.toml"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="rule file not found"):
        read_file(tmp_path / "cleaner.toml")


def test_discovery_prefers_cleaner_toml_then_pyproject_and_stops_at_git_root(tmp_path: Path) -> None:
    repo = tmp_path / "corpus"
    deep = repo / "texts" / "2024"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    (tmp_path / "cleaner.toml").write_text("[language]\nenabled = false\n", encoding="utf-8")
    assert discover(deep) is None  # outside the repo: not ours
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert discover(deep) is None  # a pyproject without [tool.cleaner] is not a config
    (repo / "pyproject.toml").write_text("[tool.cleaner.language]\nkeep = ['de']\n", encoding="utf-8")
    assert discover(deep) == repo / "pyproject.toml"
    assert load_config(discover_from=deep).options["language"].keep == ("de",)
    (repo / "texts" / "cleaner.toml").write_text("", encoding="utf-8")
    assert discover(deep) == repo / "texts" / "cleaner.toml"


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "cleaner.toml"
    f.write_text("[normalize\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cleaner.toml: not valid TOML"):
        read_file(f)


def test_fingerprint_changes_with_options() -> None:
    a = Config()
    assert a.fingerprint() == Config().fingerprint()
    assert a.fingerprint() != a.replace_options("normalize", nfc=False).fingerprint()
