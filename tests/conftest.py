"""Shared fixtures: where the checkout, the samples, the golden files and the eval data live."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests exercise the installed package when there is one (.ci/run installs it); in a bare checkout
# they fall back to the source tree.
if importlib.util.find_spec("cleaner") is None:
    sys.path.insert(0, str(ROOT))

# ../shared/eval relative to the checkout: public benchmark data, read at run time, never copied.
EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR") or ROOT.parent / "shared" / "eval")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return ROOT / "samples"


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return ROOT / "tests" / "golden"


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """The eval sets (scrapinghub/, wcxb-dev-article/, dragnet/); the test is skipped without them."""
    if not EVAL_DIR.is_dir():
        pytest.skip(f"eval data not found at {EVAL_DIR} (set CLEANER_EVAL_DIR to point elsewhere)")
    return EVAL_DIR


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    """A fresh folder of hostile inputs built by tests/hostile/make_hostile.py (see its docstring)."""
    spec = importlib.util.spec_from_file_location("make_hostile", ROOT / "tests" / "hostile" / "make_hostile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(tmp_path_factory.mktemp("hostile") / "in")
