"""Write benchmark output into ``docs/benchmarks.md``.

``make bench`` runs every benchmark, keeps each one's standard output in a file
and then calls::

    python -m config.benchdoc machine
    python -m config.benchdoc section render var/bench/render.md

Each call replaces one marked block of the document, so the prose around the
blocks (what a figure means, what it is compared with) stays as written::

    <!-- bench:render -->
    ...replaced on every run...
    <!-- /bench:render -->

A block that is missing is appended at the end of the document. Plain text
output (not Markdown) is kept verbatim in a fenced block.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def block_replace(document: str, name: str, body: str) -> str:
    """``document`` with the block called ``name`` holding ``body`` (appended if absent)."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: block, document, count=1)
    return document.rstrip("\n") + f"\n\n{block}\n"


def as_markdown(output: str) -> str:
    """Benchmark output as Markdown: tables and prose as they are, plain text fenced."""
    text = output.strip()
    if not text:
        raise ValueError("the benchmark printed nothing")
    looks_like_markdown = any(line.startswith("|") for line in text.splitlines())
    return text if looks_like_markdown else f"```text\n{text}\n```"


def machine_describe(today: dt.date | None = None) -> str:
    """One paragraph naming the machine, the software and the date of the run."""
    cpu = _cpu_model()
    memory = _memory_gib()
    system = _os_name()
    versions = ", ".join(f"{name} {_version(name)}" for name in ("bpy", "Django", "numpy", "scipy"))
    return (
        f"Last `make bench`: {(today or dt.date.today()).isoformat()} on {os.cpu_count()} cores ({cpu}), "
        f"{memory} GiB, {system}, Python {platform.python_version()}, {versions}."
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.0f}"
    except OSError:
        pass
    return "?"


def _os_name() -> str:
    try:
        fields = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        return fields.get("PRETTY_NAME", "").strip('"') or platform.system()
    except OSError:
        return platform.system()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.benchdoc", description=__doc__.splitlines()[0])
    parser.add_argument("--document", type=Path, default=DOCUMENT)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("machine", help="write the machine and date block")
    section = commands.add_parser("section", help="write one benchmark's output into its block")
    section.add_argument("name", help="block name, e.g. render")
    section.add_argument("output", type=Path, help="file holding the benchmark's standard output")
    args = parser.parse_args(argv)

    document = args.document.read_text(encoding="utf-8")
    if args.command == "machine":
        document = block_replace(document, "machine", machine_describe())
    else:
        try:
            body = as_markdown(args.output.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"{args.output}: {error}", file=sys.stderr)
            return 1
        document = block_replace(
            document, args.name, f"Output of the last `make bench` (`make bench-{args.name}`):\n\n{body}"
        )
    args.document.write_text(document, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
