"""``make bench`` writes each benchmark's output into its block of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from config import benchdoc

DOCUMENT = """# Benchmarks

Prose that explains the render figures.

<!-- bench:render -->
old figures
<!-- /bench:render -->

More prose.
"""


def test_it_replaces_only_the_named_block() -> None:
    updated = benchdoc.block_replace(DOCUMENT, "render", "| a | b |\n|---|---|\n| 1 | 2 |")
    assert "old figures" not in updated
    assert "| 1 | 2 |" in updated
    assert updated.startswith("# Benchmarks\n\nProse that explains the render figures.")
    assert updated.endswith("More prose.\n")


def test_it_appends_a_missing_block_at_the_end() -> None:
    updated = benchdoc.block_replace(DOCUMENT, "arena", "new")
    assert "old figures" in updated
    assert updated.rstrip().endswith("<!-- bench:arena -->\nnew\n<!-- /bench:arena -->")


def test_it_keeps_a_backslash_in_the_output_as_it_is() -> None:
    updated = benchdoc.block_replace(DOCUMENT, "render", r"C:\new \1 figures")
    assert r"C:\new \1 figures" in updated


def test_it_fences_plain_text_and_keeps_tables() -> None:
    assert benchdoc.as_markdown("chamfer 36 ms\n") == "```text\nchamfer 36 ms\n```"
    assert benchdoc.as_markdown("| x |\n|---|\n") == "| x |\n|---|"


def test_it_names_the_machine_and_the_date() -> None:
    import datetime as dt

    text = benchdoc.machine_describe(dt.date(2026, 11, 25))
    assert "2026-11-25" in text
    assert "cores" in text and "Python" in text and "bpy" in text


def test_it_writes_a_section_from_a_file_and_refuses_empty_output(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "benchmarks.md"
    document.write_text(DOCUMENT)
    output = tmp_path / "render.md"
    output.write_text("| median | 0.15 s |\n")
    assert benchdoc.main(["--document", str(document), "section", "render", str(output)]) == 0
    assert "| median | 0.15 s |" in document.read_text()

    output.write_text("")
    assert benchdoc.main(["--document", str(document), "section", "render", str(output)]) == 1
    assert "printed nothing" in capsys.readouterr().err
    assert "| median | 0.15 s |" in document.read_text()
