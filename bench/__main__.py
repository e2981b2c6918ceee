"""`make bench`: run every benchmark module in this folder (`bench/*_bench.py`), each on its own server.

`speed_bench` (issue 20's three ratios) runs last, and its summary is printed again at the very end,
each ratio with the command that measures it again.
"""

import importlib
import pkgutil
import sys
from pathlib import Path

SUMMARY_BENCHMARK = "speed_bench"


def main(selected: list[str]) -> int:
    names = sorted(
        (module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)])
         if module.name.endswith("_bench") and (not selected or module.name in selected)),
        key=lambda name: (name == SUMMARY_BENCHMARK, name),
    )
    summary = None
    for name in names:
        print(f"== {name}", flush=True)
        summary = importlib.import_module(f"bench.{name}").main() or summary
    if summary and len(names) > 1:
        print("== summary\n" + "\n".join(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
