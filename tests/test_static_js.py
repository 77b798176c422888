"""The pages' modules under static/js share their helpers instead of copying them.

Each page module keeps only what is its own; DOM helpers, charts, number
formatting and live updates live once, in static/js/lib/.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[1] / "static" / "js"
LIB = JS / "lib"
# Top-level definitions: `function f(`, `async function f(`, `const f = (…) =>`, `const f = x =>`, `const f = function`.
DEFINITION = re.compile(
    r"^(?:export\s+)?(?:async\s+function\s*\*?|function\s*\*?)\s*(?P<fn>\w+)\s*\("
    r"|^(?:export\s+)?const\s+(?P<arrow>\w+)\s*=\s*(?:async\s+)?(?:\([^)]*\)|\w+)\s*=>"
    r"|^(?:export\s+)?const\s+(?P<expr>\w+)\s*=\s*(?:async\s+)?function\b",
    re.MULTILINE,
)
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\s*\*?|const|let|class)\s+(\w+)", re.MULTILINE)
IMPORT = re.compile(r'^import\s*\{(?P<names>[^}]*)\}\s*from\s*"(?P<path>[^"]+)"', re.MULTILINE)


def modules() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def top_level_functions(source: str) -> list[str]:
    return [next(name for name in match.groups() if name) for match in DEFINITION.finditer(source)]


def imports(path: Path) -> dict[Path, set[str]]:
    """The names each module imports from another of ours, by the imported file."""
    found: dict[Path, set[str]] = defaultdict(set)
    for match in IMPORT.finditer(path.read_text()):
        if match["path"].startswith("."):
            target = (path.parent / match["path"]).resolve()
            found[target] |= {name.split(" as ")[0].strip() for name in match["names"].split(",") if name.strip()}
    return found


def test_it_finds_the_definitions_it_looks_for():
    source = (
        "function a(x) {\nexport async function b() {\nconst c = (x) => x;\n"
        "export const d = async x => x;\n  function inner() {\nconst n = 3;\n"
    )
    assert top_level_functions(source) == ["a", "b", "c", "d"]


def test_it_finds_no_function_defined_in_two_modules():
    defined: dict[str, list[str]] = defaultdict(list)
    for path in modules():
        for name in top_level_functions(path.read_text()):
            defined[name].append(str(path.relative_to(JS)))
    assert len(defined) > 40, "the definitions were not found"
    assert {name: files for name, files in defined.items() if len(files) > 1} == {}


@pytest.mark.parametrize("name", ["dom.js", "charts.js", "format.js", "live.js"])
def test_it_uses_every_shared_helper_in_some_page(name):
    exported = set(EXPORT.findall((LIB / name).read_text()))
    used: set[str] = set()
    for path in modules():
        used |= imports(path).get((LIB / name).resolve(), set())
    assert exported and exported - used == set()


def test_it_imports_only_names_that_the_module_exports():
    for path in modules():
        for target, names in imports(path).items():
            assert target.exists(), (path, target)
            assert names <= set(EXPORT.findall(target.read_text())), (path, target)


def test_it_leaves_the_board_rows_to_the_server():
    # The leaderboard's rows come from templates/leaderboard/board.html alone; a live update moves them in.
    for path in modules():
        assert not re.search(r'class:\s*"[^"]*\bcol-', path.read_text()), path
