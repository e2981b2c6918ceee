"""The code's import graph: no circle among modules, and no arrow from a lower layer to a higher one.

Every `import` and `from ... import` of the project's own modules counts, those inside functions too
(a deferred import is still a dependency). Read with `ast`, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("chirp", "migrations", "consumer", "api", "bench")
# Bottom to top: a module may import its own layer's modules and lower layers', never a higher one's.
LAYERS = (
    ("migrations",),
    ("chirp",),
    ("consumer", "api.http"),
    ("api.caller",),
    ("api.limits",),
    ("api.resources", "api.safety"),
    ("api.discovery",),
    ("api.live",),
    ("api.sign_in",),
    ("api.client",),
    ("api",),
    ("api.server",),
)
# Besides the layers: the web tier and the consumer share only the core.
SEPARATE = (("api", "consumer"), ("consumer", "api"))


def module_name(path: Path) -> str:
    """`api/http/errors.py` -> `api.http.errors`; `api/__init__.py` -> `api`."""
    parts = path.relative_to(REPOSITORY).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the installed packages, by name."""
    return {module_name(path): path for package in PACKAGES for path in (REPOSITORY / package).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that `name` imports (a `from package import module` names the module)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def layer(name: str) -> int:
    """The index of the layer of `name` (its longest matching prefix); entry points are above all."""
    if name.endswith("__main__") or name == "api.token" or name.split(".")[0] == "bench":
        return len(LAYERS)
    best = max((prefix for row in LAYERS for prefix in row if name == prefix or name.startswith(prefix + ".")),
               key=len)
    return next(index for index, row in enumerate(LAYERS) if best in row)


def test_no_import_circle():
    edges = graph()
    circles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_no_arrow_from_a_lower_layer_to_a_higher_one():
    wrong = sorted(f"{source} -> {target}" for source, targets in graph().items() for target in targets
                   if layer(target) > layer(source))
    assert wrong == []


def test_the_web_tier_and_the_consumer_share_only_the_core():
    wrong = sorted(f"{source} -> {target}" for source, targets in graph().items() for target in targets
                   for importer, imported in SEPARATE
                   if source.split(".")[0] == importer and target.split(".")[0] == imported)
    assert wrong == []


def test_the_graph_is_read():
    """The checks above see the imports they judge (a parser that found none would pass them all)."""
    edges = graph()
    assert "api.http.errors" in edges["api.caller.tokens"] and "chirp.settings" in edges["api"]
