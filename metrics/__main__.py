"""Command line for the automatic metrics (no Django needed).

Usage::

    python -m metrics chamfer GENERATED.glb REFERENCE.glb \
        [--points N] [--seed S] [--yaw-axis y|z] [--fscore-threshold T]
    python -m metrics images ASSET_VIEWS_DIR REFERENCE_VIEWS_DIR \
        [--alpha-threshold A]
    python -m metrics similarity ASSET_VIEWS_DIR REFERENCE_VIEWS_DIR \
        --backend siglip|dino --weights DIR [--text PROMPT]

Each prints one JSON object on standard output. Exit status: 0 success;
1 an input is missing or unreadable (the message on standard error names the
file); 2 bad arguments; 3 the metric is undefined for these inputs (for
instance an edge-only mesh): the JSON then holds nulls and a ``reason``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

EXIT_INPUT_ERROR = 1
EXIT_UNDEFINED = 3


def _build_parser() -> argparse.ArgumentParser:
    from metrics import geometry, images

    parser = argparse.ArgumentParser(prog="python -m metrics", description="Automatic 3D asset metrics.")
    commands = parser.add_subparsers(dest="command", required=True)

    chamfer = commands.add_parser("chamfer", help="Chamfer distance, F-score, normals")
    chamfer.add_argument("generated", help="generated mesh (GLB)")
    chamfer.add_argument("reference", help="reference mesh (GLB)")
    chamfer.add_argument("--points", type=int, default=geometry.DEFAULT_POINTS)
    chamfer.add_argument("--seed", type=int, default=geometry.DEFAULT_SEED)
    chamfer.add_argument("--yaw-axis", choices=("y", "z"), default="y")
    chamfer.add_argument("--fscore-threshold", type=float, default=geometry.DEFAULT_FSCORE_THRESHOLD)

    views = commands.add_parser("images", help="silhouette IoU and SSIM of the views")
    views.add_argument("asset_views", help="directory with the asset's view_*.png")
    views.add_argument("reference_views", help="directory with the reference's view_*.png")
    views.add_argument("--alpha-threshold", type=float, default=images.DEFAULT_ALPHA_THRESHOLD)

    similarity = commands.add_parser("similarity", help="embedding similarity of the views")
    similarity.add_argument("asset_views")
    similarity.add_argument("reference_views")
    similarity.add_argument("--backend", required=True, help="e.g. siglip or dino")
    similarity.add_argument("--weights", required=True, help="local weights directory")
    similarity.add_argument("--text", help="also score the views against this prompt")
    return parser


def _chamfer(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    from metrics.geometry import compare_mesh_files

    if args.points < 1:
        raise ValueError("--points must be positive")
    metrics = compare_mesh_files(
        args.generated,
        args.reference,
        points=args.points,
        seed=args.seed,
        yaw_axis=args.yaw_axis,
        fscore_threshold=args.fscore_threshold,
    )
    return metrics.as_dict(), metrics.defined


def _images(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    from metrics.images import compare_view_dirs

    metrics = compare_view_dirs(args.asset_views, args.reference_views, alpha_threshold=args.alpha_threshold)
    result = metrics.as_dict()
    if metrics.silhouette_iou is None:
        result["reason"] = "no view has a silhouette in either image"
    return result, metrics.silhouette_iou is not None


def _similarity(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    from metrics import embeddings

    backend = embeddings.create_backend(args.backend, args.weights)
    asset = embeddings.load_views(args.asset_views)
    result: dict[str, Any] = embeddings.render_similarity(
        backend, asset, embeddings.load_views(args.reference_views)
    ).as_dict()
    if args.text is not None:
        result["text_render"] = embeddings.text_render_similarity(backend, args.text, asset).as_dict()
    return result, True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    from metrics.embeddings import BackendError
    from metrics.geometry import MeshLoadError
    from metrics.images import ViewsError

    args = _build_parser().parse_args(argv)
    run = {"chamfer": _chamfer, "images": _images, "similarity": _similarity}[args.command]
    try:
        result, defined = run(args)
    except (MeshLoadError, ViewsError, BackendError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    print(json.dumps(result, indent=2))
    if not defined:
        print(f"undefined: {result.get('reason')}", file=sys.stderr)
        return EXIT_UNDEFINED
    return 0


if __name__ == "__main__":
    sys.exit(main())
