"""Every benchmark module imports: they are run by hand (`make bench`), so a moved name would go unseen."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("name", sorted(module.name for module in pkgutil.iter_modules([str(BENCH)])))
def test_the_benchmark_module_imports(name):
    importlib.import_module(f"bench.{name}")
