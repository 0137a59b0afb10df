"""No import cycle between the modules of ``studio/`` and ``jobs/``.

Imports are read with ``ast``: module-level and function-level ones (a deferred import
is still a dependency), relative ones resolved, ``from pkg import module`` taken as an
import of the module; imports under ``if TYPE_CHECKING:`` are left out (never run).
A module that imports by name (``importlib.import_module``) depends on every module whose
dotted name it spells out in a string, and on every module under an f-string's prefix
(``f"studio.commands.{name}"``): plugin lists and command tables are imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("studio", "jobs")


def module_files(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under the packages."""
    out = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]):
        self.package = module if is_package else module.rpartition(".")[0]
        self.known, self.found = known, set()
        self.by_name = False  # calls importlib.import_module
        self.strings: set[str] = set()  # string constants, and f-string prefixes as "prefix.*"

    def by_name_imports(self) -> set[str]:
        if not self.by_name:
            return set()
        return {m for m in self.known for s in self.strings
                if m == s or (s.endswith(".*") and m.startswith(s[:-1]) and "." not in m[len(s) - 1:])}

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
                isinstance(func, ast.Name) and func.id == "import_module"):
            self.by_name = True
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.strings.add(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and str(first.value).endswith("."):
            self.strings.add(f"{first.value}*")
        self.generic_visit(node)

    def _add(self, name: str) -> None:
        # the module itself, or the closest enclosing module we know (``studio.build.x`` → ``studio.build``)
        while name and name not in self.known:
            name = name.rpartition(".")[0]
        if name:
            self.found.add(name)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:
            if f"{target}.{alias.name}" in self.known:  # from pkg import module
                self._add(f"{target}.{alias.name}")
            else:
                self._add(target)


def import_graph(root: Path = ROOT, packages=PACKAGES) -> dict[str, set[str]]:
    files = module_files(root, packages)
    graph = {}
    for module, path in files.items():
        visitor = _Imports(module, path.name == "__init__.py", set(files))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        graph[module] = (visitor.found | visitor.by_name_imports()) - {module}
    return graph


def import_groups(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of two or more modules that import each other (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def test_the_walker_sees_deferred_relative_and_module_imports_but_not_type_checking_ones(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .. import a\n")  # from pkg import module
    (pkg / "a.py").write_text("def f():\n    from .sub import b  # deferred, still a dependency\n")
    (pkg / "sub" / "b.py").write_text("import pkg.sub.c\nfrom pkg import a\n")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import b\nelse:\n    import json\n")
    (pkg / "plugins.py").write_text(  # imports by name
        "import importlib\nBUILTIN = ('pkg.sub.c',)\nfor n in BUILTIN + ('x',):\n    importlib.import_module(n)\n"
        "def load(name):\n    return importlib.import_module(f'pkg.sub.{name}')\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph == {"pkg": set(), "pkg.sub": {"pkg.a"}, "pkg.a": {"pkg.sub.b"},
                     "pkg.sub.b": {"pkg.sub.c", "pkg.a"}, "pkg.sub.c": set(), "pkg.plugins": {"pkg.sub.b", "pkg.sub.c"}}
    assert import_groups(graph) == [{"pkg.a", "pkg.sub.b"}]
    assert cycle_in(graph, {"pkg.a", "pkg.sub.b"}) == ["pkg.a", "pkg.sub.b", "pkg.a"]


def test_no_import_cycle_in_studio_and_jobs():
    graph = import_graph()
    assert "jobs.tasks" in graph["jobs.submit"] and "studio.build" in graph["jobs.beat"]  # the walk is real
    report = []
    for group in import_groups(graph):
        cycle = cycle_in(graph, group)
        others = sorted(group - set(cycle))
        report.append(" → ".join(cycle) + (f"  (same group: {', '.join(others)})" if others else ""))
    assert not report, "import cycles:\n" + "\n".join(report)
