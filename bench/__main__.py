"""`make bench`: run every benchmark module in this folder (`bench/*_bench.py`), each on its own server."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(selected: list[str]) -> int:
    names = sorted(
        module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.endswith("_bench") and (not selected or module.name in selected)
    )
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
