"""Configuration: one TOML table, built-in defaults, discovery, strict validation.

Shape (in cleaner.toml at top level, or under [tool.cleaner] in pyproject.toml):

    rule_files = ["my-rules.toml"]  # extra rule files, relative to the config file
    disable_rules = ["en.share.follow"]
    [decode]
    max_bytes = 50000000            # larger inputs are skipped with reason "too-large"
    [encoding]                      # one table per stage: its options, plus enabled = true|false
    uncurl_quotes = false
    [language]
    keep = ["en", "de"]

The stage order is fixed (each stage relies on the ones before it); a stage is turned off with
`enabled = false` in its table. That is the one way to switch stages.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .stages import ORDER, STAGES

TOP_KEYS = {"rule_files": list, "disable_rules": list}


class ConfigError(ValueError):
    """Invalid configuration; the message names the file and the key, and lists the valid ones."""


def _options_class(stage: str):
    return STAGES[stage].load().Options


def _default_options() -> dict[str, Any]:
    return {name: _options_class(name)() for name in ORDER}


@dataclass(frozen=True)
class Config:
    enabled: tuple[str, ...] = ORDER
    options: Mapping[str, Any] = field(default_factory=_default_options)
    rule_files: tuple[Path, ...] = ()
    disable_rules: tuple[str, ...] = ()
    source: str | None = None  # where it was read from, for messages

    def replace_options(self, stage: str, **changes: Any) -> "Config":
        """A copy with some of one stage's options changed (validated like the file's)."""
        current = self.options[stage]
        valid = {f.name for f in dataclasses.fields(current)}
        bad = set(changes) - valid
        if bad:
            raise ConfigError(f"unknown option(s) {sorted(bad)} for stage '{stage}'; valid: {sorted(valid)}")
        opts = dict(self.options)
        opts[stage] = dataclasses.replace(current, **changes)
        return dataclasses.replace(self, options=opts)

    def with_stage(self, stage: str, on: bool) -> "Config":
        enabled = [s for s in ORDER if (s in self.enabled and s != stage) or (s == stage and on)]
        return dataclasses.replace(self, enabled=tuple(enabled))

    def fingerprint(self) -> str:
        """Hash of everything that decides the output: options, enabled stages, rule texts."""
        from . import __version__
        from .rules import builtin_rule_texts

        h = hashlib.sha256()
        state = {
            "version": __version__,
            "enabled": self.enabled,
            "options": {k: dataclasses.asdict(v) for k, v in sorted(self.options.items())},
            "disable_rules": sorted(self.disable_rules),
        }
        h.update(json.dumps(state, sort_keys=True, default=str).encode())
        for name, text in builtin_rule_texts():
            h.update(name.encode() + b"\0" + text.encode())
        for p in self.rule_files:
            h.update(Path(p).read_bytes() if Path(p).is_file() else str(p).encode())
        return h.hexdigest()[:16]


def _type_ok(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        return isinstance(value, list)
    if isinstance(default, str):
        return isinstance(value, str)
    return True


def from_mapping(table: Mapping[str, Any], source: str = "<config>", base: Path | None = None) -> Config:
    """Validate a config table and build a Config. Any unknown key, stage or option is an error
    naming the valid ones; wrong types are errors naming the expected type."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: the cleaner config must be a table")
    valid_top = sorted([*TOP_KEYS, *ORDER])
    for key in table:
        if key not in TOP_KEYS and key not in STAGES:
            raise ConfigError(f"{source}: unknown key or stage '{key}'; valid: {', '.join(valid_top)}")
    for key, typ in TOP_KEYS.items():
        if key in table and not _type_ok(table[key], typ()):
            raise ConfigError(f"{source}: '{key}' must be {'a list' if typ is list else 'an integer'}")
    options = _default_options()
    enabled = list(ORDER)
    for stage in ORDER:
        sub = table.get(stage)
        if sub is None:
            continue
        if not isinstance(sub, Mapping):
            raise ConfigError(f"{source}: [{stage}] must be a table")
        defaults = options[stage]
        fields = {f.name: getattr(defaults, f.name) for f in dataclasses.fields(defaults)}
        changes = {}
        for k, v in sub.items():
            if k == "enabled":
                if not isinstance(v, bool):
                    raise ConfigError(f"{source}: [{stage}] enabled must be true or false")
                if not v:
                    enabled.remove(stage)
                continue
            if k not in fields:
                raise ConfigError(f"{source}: unknown option '{k}' in [{stage}]; valid: {', '.join(sorted([*fields, 'enabled']))}")
            if not _type_ok(v, fields[k]):
                raise ConfigError(f"{source}: [{stage}] {k} must be of type {type(fields[k]).__name__}, got {v!r}")
            changes[k] = tuple(v) if isinstance(fields[k], tuple) else v
        options[stage] = dataclasses.replace(defaults, **changes)
        check = getattr(options[stage], "validate", None)
        if check:
            problem = check()
            if problem:
                raise ConfigError(f"{source}: [{stage}] {problem}")
    base = base or Path.cwd()
    rule_files = tuple((base / p) for p in table.get("rule_files", []))
    for p in rule_files:
        if not p.is_file():
            raise ConfigError(f"{source}: rule file not found: {p}")
    return Config(enabled=tuple(enabled), options=options, rule_files=rule_files,
                  disable_rules=tuple(table.get("disable_rules", [])), source=source)


def read_file(path: Path) -> Config:
    """A config file: cleaner.toml (its top level is the table) or pyproject.toml ([tool.cleaner])."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("cleaner", {})
        return from_mapping(table, f"{path} [tool.cleaner]", path.parent)
    return from_mapping(data, str(path), path.parent)


def discover(start: Path | None = None) -> Path | None:
    """The nearest config above `start` (default: the working directory): in each folder, a
    cleaner.toml wins over a pyproject.toml with a [tool.cleaner] table. The search stops at the
    top of a git work tree, so a corpus repo never picks up a config from outside itself."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cleaner.toml").is_file():
            return folder / "cleaner.toml"
        pp = folder / "pyproject.toml"
        if pp.is_file():
            try:
                if "cleaner" in tomllib.loads(pp.read_text(encoding="utf-8")).get("tool", {}):
                    return pp
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                pass  # an unrelated broken pyproject is not ours to report
        if (folder / ".git").exists():
            return None
    return None


def load_config(path: Path | str | None = None, *, discover_from: Path | None = None) -> Config:
    """The config from `path`, else the discovered one, else the built-in defaults."""
    if path is not None:
        return read_file(Path(path))
    found = discover(discover_from)
    return read_file(found) if found else Config()
