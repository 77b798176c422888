"""Settings of the Blender render backend, in one place.

Everything the worker pool, the sandbox and the in-Blender job need is a
field of :class:`RenderConfig`. The object is frozen so that a pool's
behaviour cannot drift while jobs are running; build a new one with
:func:`dataclasses.replace` to change a setting.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ENGINES = ("workbench", "cycles")
COMPRESSIONS = ("meshopt", "draco", "none")


@dataclass(frozen=True)
class RenderConfig:
    """Limits, render settings and pool size of the render backend.

    Attributes
    ----------
    timeout_s : float
        Wall-clock limit of one job (script, export and renders), enforced by
        the host process, which kills the whole sandbox when it is exceeded.
    memory_mb : int
        Resident memory a job may use, in MiB (``RENDER_MEMORY_MB``). The
        slot's cgroup enforces it on all processes of the sandbox together
        (with ``tmpfs_mb`` for its private ``/tmp``); the job then has no
        address-space limit. Without a cgroup, only a backstop on each
        process's address space applies (``2 x memory_mb + 4096``, see
        :func:`renderer.runtime.pool.address_space_backstop`). The default fits the
        reference factories with room to spare (docs/benchmarks.md, "Memory
        of the real factories").
    max_file_mb : int
        Largest file a job may write (``RLIMIT_FSIZE``), in MiB.
    max_procs : int
        Process and thread limit (``RLIMIT_NPROC``) of the worker's user.
        Processes a script leaves running are ended when it returns, so
        they do not hold this limit during export and renders.
    stdout_limit : int
        Bytes of the script's stdout and of its stderr kept in the result:
        the first and the last half of each, with a note of how many bytes
        were dropped in between; printing more never fails the script.
    views : int
        Number of clay renders per asset (0 skips rendering).
    size : int
        Width and height of each render, in pixels.
    azimuths : tuple of float
        Camera azimuths in degrees; the first ``views`` of them are used.
    framing : str
        ``"fit"`` (each view's camera stands where the whole bounding box fits in the frame) or
        ``"reference"`` (the reference benchmark's camera at 1.8x the largest dimension, which can crop).
    engine : str
        ``"workbench"`` (fast clay) or ``"cycles"`` (matches the reference
        benchmark's renders, much slower on a CPU).
    cycles_samples : int
        Samples per pixel when ``engine == "cycles"``.
    compress : str
        ``"meshopt"`` (gltfpack, on the host), ``"draco"`` or ``"none"``: compression of the browser GLB.
    strip_materials : bool
        Drop materials from the exported GLBs (the arena shows shape only).
    sandbox : bool
        Run workers inside bubblewrap. ``False`` is an operator opt-out for
        machines without user namespaces; every job then logs a warning.
    workers : int
        Number of warm worker processes, i.e. jobs that run in parallel.
    uid_base : int
        First unprivileged user id handed to worker slots when the host runs
        as root; each slot gets its own id so limits and signals stay apart.
    start_timeout_s : float
        How long a worker may take to start (import ``bpy``) before it is
        declared broken.
    tmpfs_mb : int
        Size of the private ``/tmp`` inside each sandbox, in MiB.
    reset_each_job : bool
        Call ``read_factory_settings(use_empty=True)`` again in every job.
        Off by default: the worker resets once before it forks, and every
        job is a fresh fork of that empty state; the repeat costs ~0.08 s.
    nice : int
        Niceness (0-19) of job processes, which also run under
        ``SCHED_BATCH``; with cgroups, the whole sandbox gets the CPU weight
        of one task at this niceness, so that the web server and the
        database stay ahead of renders.
    cgroups : bool
        Put each worker's sandbox in a control group of its own (memory
        limit ``memory_mb + tmpfs_mb`` for all its processes together, a
        task limit, a CPU weight) where the host allows it; where it does
        not, the pool logs why and runs with per-process limits only.
    """

    timeout_s: float = 240.0
    memory_mb: int = 6144
    max_file_mb: int = 512
    max_procs: int = 256
    stdout_limit: int = 65536
    views: int = 4
    size: int = 512
    azimuths: tuple[float, ...] = (45.0, 135.0, 225.0, 315.0)
    framing: str = "fit"
    engine: str = "workbench"
    cycles_samples: int = 64
    compress: str = "meshopt"
    strip_materials: bool = True
    sandbox: bool = True
    workers: int = 2
    uid_base: int = 61000
    start_timeout_s: float = 120.0
    tmpfs_mb: int = 1024
    reset_each_job: bool = False
    nice: int = 10
    cgroups: bool = True

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if self.framing not in ("fit", "reference"):
            raise ValueError(f"framing must be 'fit' or 'reference', not {self.framing!r}")
        if self.compress not in COMPRESSIONS:
            raise ValueError(f"compress must be one of {COMPRESSIONS}, not {self.compress!r}")
        if self.views < 0 or self.views > len(self.azimuths):
            raise ValueError(f"views must be between 0 and {len(self.azimuths)}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if not 0 <= self.nice <= 19:
            raise ValueError("nice must be between 0 and 19")

    def job_settings(self) -> dict[str, Any]:
        """Return the settings the in-Blender job needs, as plain JSON data.

        Returns
        -------
        dict
            Render and export settings plus the job's resource limits.
        """
        data = dataclasses.asdict(self)
        data["azimuths"] = list(self.azimuths[: self.views])
        for host_only in ("sandbox", "workers", "uid_base", "start_timeout_s", "cgroups"):
            data.pop(host_only)
        return data


def job_stages(views: int) -> list[tuple[str, float]]:
    """The progress stages of a job, in the order it reaches them, with their fractions.

    Only these names, each once and in this order, are relayed from a job:
    a script runs inside the job process and can write to its progress
    channel, so anything else it writes there is dropped.
    """
    stages = [("running", 0.05), ("exporting", 0.5)]
    stages += [(f"rendering {index + 1}/{views}", 0.6 + 0.4 * index / views) for index in range(views)]
    return stages + [("finished", 1.0)]


class StageOrder:
    """The stages a job may still report: known names, each once, in order.

    The script runs inside the job process and can write to its progress
    channel; whatever it writes there can at most move the stage forward to
    a real, later stage. Invented names, repeats and stages out of order are
    refused.

    Parameters
    ----------
    stages : list of (str, float)
        :func:`job_stages` of the job's configuration.
    """

    def __init__(self, stages: list[tuple[str, float]]) -> None:
        self.stages = stages
        self.position = -1
        self.stage = "starting"

    def advance(self, name: object) -> float | None:
        """Accept ``name`` if it is a later stage; return its fraction, else None."""
        for index in range(self.position + 1, len(self.stages)):
            if self.stages[index][0] == name:
                self.position = index
                self.stage = self.stages[index][0]
                return self.stages[index][1]
        return None
