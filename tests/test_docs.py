"""The README's Python examples and the package docstring run as doctests."""
from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import cleaner

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples() -> None:
    if not README.exists():
        pytest.skip("README.md not next to the tests")
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_package_docstring_examples() -> None:
    result = doctest.testmod(cleaner, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
