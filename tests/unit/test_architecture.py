"""The shape of the code, checked: dependencies between feature packages point one way, and the
pure cores know nothing of Flask (docs/architecture.md: views → services/queries → models).

Read from the source with ``ast`` (every ``import``, at module level or inside a function; not
those under ``if TYPE_CHECKING:``, which never run). The exceptions are listed here, once, each
with its reason; a new cycle or a Flask import in a pure module fails with the modules to look at.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import groupfinder

SRC = Path(groupfinder.__file__).parent
PACKAGE = "groupfinder"

# Modules that must not import Flask, Werkzeug, WTForms or a Flask extension, even indirectly
# through another module of ours: the rules and cores that services, importers and tests call
# directly. (Reading models is allowed: Flask-SQLAlchemy's declarative base holds data, not a
# request, so ``flask_sqlalchemy`` is not in WEB.)
PURE = {
    "privacy", "validation", "exceptions", "resources", "audit.actions",
    "schedules.recurrence", "schedules.words", "groups.criteria", "groups.directions",
    "groups.mapdata",
    "geo.distance", "geo.parsing", "geo.gazetteer", "feeds.ical", "interop.csvformat",
}
# Not followed: models take ``db`` from here, and the other extensions it instantiates (Login,
# WTF, Migrate) are used only by the app factory and views.
BOUNDARY = {"extensions"}
WEB = ("flask", "flask_wtf", "flask_login", "flask_limiter", "flask_talisman", "flask_migrate",
       "werkzeug", "wtforms")

# Intended layers, lowest first: a package may import those before it, never those after it.
# (The organizer area's blueprint is the root module ``organizer``, which imports no feature:
# each feature's pages register on it.)
LAYERS = ["geo", "audit", "accounts", "venues", "facilitators", "schedules", "organisations",
          "sources", "groups",
          "review", "pages", "feeds", "api", "interop"]

# Imports against the layers that are allowed, and why. They all carry the place rule across
# the listing aggregate (a venue's privacy depends on the listings, moves and pending edits that
# use it); removing them means moving venues.places and the venue services' listing checks up
# into groups, and the text check of single meetings with them.
ALLOWED_UPWARD = {
    ("venues", "groups"): "venues.places decides a place's privacy from the listings there; "
                          "venues.services keeps a published listing's venue from moving",
    ("venues", "schedules"): "venues.places: a sensitive listing's moved meeting makes its "
                             "new venue private",
    ("facilitators", "groups"): "a bio is public text of every listing the facilitator leads",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names this file imports (ours without the ``groupfinder.`` prefix)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped |= {id(n) for n in ast.walk(node)}
    here = _module_name(path).split(".")
    base = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[: len(base) - (node.level - 1)]
                target = ".".join(parent + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}".strip(".") for a in node.names]
                out |= {"." + n for n in names}  # mark ours
            else:
                out.add(node.module or "")
    return out


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imports(path):
            if imported.startswith("."):
                target = imported[1:]
                while target and target not in modules:  # "venues.models.Venue" → module
                    target = target.rpartition(".")[0]
                if target:
                    deps.add(target)
            elif imported.split(".")[0] == PACKAGE:
                deps.add(imported.removeprefix(PACKAGE + "."))
            else:
                deps.add("!" + imported)  # third-party, kept for the Flask check
        graph[name] = deps
    return graph


def _package(module: str) -> str:
    first = module.split(".")[0]
    return first if (SRC / first).is_dir() else ""


def test_feature_packages_depend_downwards_only():
    graph = _graph()
    upward: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module, deps in graph.items():
        source = _package(module)
        if not source:
            continue
        for dep in deps:
            target = _package(dep) if not dep.startswith("!") else ""
            if target and target != source:
                assert source in LAYERS and target in LAYERS, f"add {source}/{target} to LAYERS"
                if LAYERS.index(target) > LAYERS.index(source):
                    upward[(source, target)].add(module)
    unexpected = {k: sorted(v) for k, v in upward.items() if k not in ALLOWED_UPWARD}
    assert not unexpected, f"imports against the layers {LAYERS}: {unexpected}"
    stale = set(ALLOWED_UPWARD) - set(upward)
    assert not stale, f"allowed but no longer needed, remove from ALLOWED_UPWARD: {stale}"


def test_pure_modules_know_nothing_of_flask():
    graph = _graph()
    for module in sorted(PURE):
        assert module in graph, module
        seen, todo, path_to = {module}, [module], {module: [module]}
        while todo:
            current = todo.pop()
            for dep in graph.get(current, ()):
                if dep.startswith("!"):
                    top = dep[1:].split(".")[0]
                    assert top not in WEB, f"{' → '.join(path_to[current])} imports {dep[1:]}"
                elif dep not in seen and dep in graph and dep not in BOUNDARY:
                    seen.add(dep)
                    path_to[dep] = path_to[current] + [dep]
                    todo.append(dep)


def test_the_check_sees_imports():
    """Controls: the graph really holds known edges, so the tests above can fail."""
    graph = _graph()
    assert "groups.models" in graph["groups.services"]
    assert "!flask" in graph["groups.views"]
    assert "venues.places" in graph["venues.services"]
    assert not any(_package(d) for d in graph["organizer"] if not d.startswith("!"))
