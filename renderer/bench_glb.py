"""Browser GLBs of real factories: ``python -m renderer.bench_glb`` (``make bench-glb``).

For a pair of the benchmark's reference factories (``../shared``), it:

1. renders each through the real render pool (sandboxed Blender, no clay
   views), once with Draco and once without compression, and times the
   export (the difference is Draco's encode time, inside Blender);
2. compresses the plain GLB with meshopt and quantisation (gltfpack, on the
   host, as the pool does with ``RENDER_COMPRESS=meshopt``) and times it;
3. serves a throw-away arena (SQLite, temporary media) whose only pair is
   the two factories, for each format in turn, and opens the vote page in
   headless Chromium (SwiftShader, as the browser tests), ``--runs`` times
   in fresh contexts (nothing cached): from navigation to the first frame
   with each model drawn (the viewer's ``performance`` marks), and to the
   pixels of both read back; on the loopback and on a throttled link
   (``--mbps``, ``--rtt-ms``);
4. prints a markdown table of sizes, encode and draw times (medians).

Without ``../shared`` it says so and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ROOT.parent / "shared" / "benchmark-release" / "categories"
FACTORIES = ("Auger_seed0", "Crab_seed0")
FORMATS = ("none", "draco", "meshopt")
GOAL_MS = 2000.0

# Resolves with the time both stages hold their first drawn frame, read back from the GPU.
BOTH_DRAWN = """
() => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("the two models were not drawn within 120 s")), 120000);
  const tick = () => {
    const canvases = ["a", "b"].map((side) => document.querySelector(`#stage-${side} canvas`));
    if (canvases.every((canvas) => canvas && canvas.dataset.rendered === "1")) {
      for (const canvas of canvases) {
        const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      }
      const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? null;
      resolve({
        pixels: performance.now(),
        drawn: ["Model A", "Model B"].map((label) => mark(`${label}: drawn`)),
        load: ["Model A", "Model B"].map((label) => mark(`${label}: load`)),
        decoded: ["Model A", "Model B"].map((label) => mark(`${label}: decoded`)),
      });
    } else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})
"""


@dataclass
class Factory:
    name: str
    triangles: int = 0
    files: dict[str, Path] = field(default_factory=dict)  # format -> GLB
    encode_s: dict[str, float] = field(default_factory=dict)
    export_s: dict[str, float] = field(default_factory=dict)  # Blender's export of both files


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m renderer.bench_glb", description=__doc__.splitlines()[0])
    parser.add_argument("--factories", nargs=2, default=list(FACTORIES), help="two instance names")
    parser.add_argument("--runs", type=int, default=5, help="page loads per format and link")
    parser.add_argument("--mbps", type=float, default=20.0, help="download rate of the throttled link")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round-trip time of the throttled link")
    return parser.parse_args(argv)


def render_factories(names: list[str], work: Path) -> list[Factory]:
    """Render each factory with Draco and without; add the meshopt GLB made from the plain one."""
    from renderer.runtime import glb
    from renderer.runtime.config import RenderConfig
    from renderer.runtime.pool import RenderPool

    factories = [Factory(name) for name in names]
    for compress in ("none", "draco"):
        with RenderPool(RenderConfig(workers=1, views=0, compress=compress)) as pool:
            for factory in factories:
                out = work / compress / factory.name
                result = pool.run(CATEGORIES / factory.name / f"{factory.name}.py", out)
                if result["status"] != "ok":
                    raise SystemExit(f"{factory.name} did not render ({compress}): {result['error']}")
                factory.triangles = int(result["stats"]["triangles"])
                factory.files[compress] = out / "model.glb"
                factory.export_s[compress] = result["timings"]["export"]
    for factory in factories:
        target = work / "meshopt" / factory.name / "model.glb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(factory.files["none"], target)
        started = time.monotonic()
        glb.meshopt_compress_file(target)
        factory.encode_s["meshopt"] = time.monotonic() - started
        factory.files["meshopt"] = target
    return factories


def serve(data_dir: Path) -> tuple[str, Any]:
    """A migrated throw-away arena on a loopback port, served from a thread."""
    os.environ.update(
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(data_dir / "media"),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        DATABASE_URL="",
        REDIS_URL="",
        CELERY_BROKER_URL="",
        ARENA_MIN_VOTE_SECONDS="0",
        # Playwright's sync API keeps an event loop on this thread, between ORM calls.
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0, interactive=False)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    # The page's live socket has no server here (it works without): no log line per visit.
    # (After get_wsgi_application, which sets up logging again.)
    for name in ("django.request", "django.server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def stock_pair(factories: list[Factory], compress: str) -> None:
    """Make the two factories, in one format, the arena's only pair."""
    from django.core.cache import cache
    from django.core.files.base import ContentFile

    from arena.models import Asset, Generator, Prompt, Status

    Asset.objects.all().delete()
    prompt, _ = Prompt.objects.get_or_create(slug="factories", defaults={"text": "A reference factory"})
    for index, factory in enumerate(factories):
        generator, _ = Generator.objects.get_or_create(name=f"generator-{index}")
        asset = Asset(prompt=prompt, generator=generator, status=Status.OK, stats={"triangles": factory.triangles})
        asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(factory.files[compress].read_bytes()), save=False)
        asset.save()
    cache.clear()  # the arena keeps its pairs for a few seconds: the next page must see these


def page_load(browser: Any, url: str, throttle: dict[str, float] | None) -> dict[str, Any]:
    """One visit of the vote page in a fresh context; times in ms from navigation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if throttle:
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **throttle})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/arena/")
        timing = page.evaluate(BOTH_DRAWN)
        if errors:
            raise SystemExit(f"the page threw: {errors}")
        if page.evaluate("arenaState.showing") != {"a": "model", "b": "model"}:
            raise SystemExit("a model was not drawn as a model")
        return timing
    finally:
        context.close()


def measure(factories: list[Factory], args: argparse.Namespace, url: str) -> dict[tuple[str, str], dict[str, float]]:
    from playwright.sync_api import sync_playwright

    from tests.arena.browser_helpers import CHROMIUM, CHROMIUM_ARGS

    links: dict[str, dict[str, float] | None] = {
        "loopback": None,
        f"{args.mbps:g} Mbit/s, {args.rtt_ms:g} ms": {
            "latency": args.rtt_ms,
            "downloadThroughput": args.mbps * 1e6 / 8,
            "uploadThroughput": args.mbps * 1e6 / 8,
        },
    }
    figures: dict[tuple[str, str], dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for compress in FORMATS:
                stock_pair(factories, compress)
                for link, throttle in links.items():
                    page_load(browser, url, throttle)  # warms the server and the disk cache
                    runs = [page_load(browser, url, throttle) for _ in range(args.runs)]
                    figures[(compress, link)] = {
                        "drawn": statistics.median(max(run["drawn"]) for run in runs),
                        "pixels": statistics.median(run["pixels"] for run in runs),
                        "decode": statistics.median(
                            max(d - s for d, s in zip(run["decoded"], run["load"], strict=True)) for run in runs
                        ),
                        "worst": max(run["pixels"] for run in runs),
                    }
        finally:
            browser.close()
    return figures


def report(factories: list[Factory], figures: dict[tuple[str, str], dict[str, float]], args: argparse.Namespace) -> str:
    names = " + ".join(f"{f.name} ({f.triangles / 1000:.0f}K triangles)" for f in factories)
    lines = [
        f"Browser GLB benchmark: the vote page with {names}, headless Chromium (SwiftShader, CPU), "
        f"median of {args.runs} page loads in fresh contexts, cache disabled; load average "
        f"{os.getloadavg()[1]:.1f} on {os.cpu_count()} cores over the last 5 minutes.",
        "",
        "| format | GLB sizes | encode (host) | link | load → decoded (slower side) | both drawn | pixels read back "
        "| slowest run |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for compress in FORMATS:
        sizes = " + ".join(f"{f.files[compress].stat().st_size / 2**20:.2f}" for f in factories)
        if compress == "meshopt":
            encode = " + ".join(f"{f.encode_s[compress]:.2f}" for f in factories) + " s (gltfpack)"
        else:
            encode = " + ".join(f"{f.export_s[compress]:.2f}" for f in factories) + " s (Blender export)"
        label = {"none": "uncompressed", "draco": "Draco (Blender, level 6)", "meshopt": "meshopt + quantised"}
        for link in sorted({key[1] for key in figures}, key=lambda name: name != "loopback"):
            row = figures[(compress, link)]
            lines.append(
                f"| {label[compress]} | {sizes} MiB | {encode} | {link} | {row['decode']:.0f} ms "
                f"| {row['drawn']:.0f} ms | {row['pixels']:.0f} ms | {row['worst']:.0f} ms |"
            )
    lines += [
        "",
        "Encode: for Draco and uncompressed, Blender's whole export (model.glb and mesh.glb, one run each: "
        "their difference is Draco's encode); for meshopt, gltfpack on the host from the plain GLB, "
        "anonymised again, on top of the plain export. "
        "Load → decoded: from the viewer's request of the GLB to its scene (download, parse and decode). "
        "Both drawn: the later viewer's first frame submitted; pixels read back: both frames finished on the "
        "(software) GPU, as `readPixels` returns them. All times are from navigation.",
    ]
    best = min(FORMATS, key=lambda name: figures[(name, "loopback")]["pixels"])
    row = figures[(best, "loopback")]
    lines += [
        "",
        f"Fastest on the loopback: {best}. Goal, both drawn within {GOAL_MS / 1000:g} s of navigation: "
        f"frames submitted {'met' if row['drawn'] <= GOAL_MS else 'not met'} ({row['drawn']:.0f} ms), "
        f"pixels finished {'met' if row['pixels'] <= GOAL_MS else 'not met'} ({row['pixels']:.0f} ms).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not CATEGORIES.is_dir():
        print(f"Skipped: the benchmark release is not at {CATEGORIES} (../shared is absent).")
        return 0
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-glb-") as tmp:
        work = Path(tmp)
        factories = render_factories(list(args.factories), work / "render")
        url, server = serve(work / "arena")
        try:
            figures = measure(factories, args, url)
        finally:
            server.shutdown()
        print(report(factories, figures, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
