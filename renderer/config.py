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
COMPRESSIONS = ("draco", "none")


@dataclass(frozen=True)
class RenderConfig:
    """Limits, render settings and pool size of the render backend.

    Attributes
    ----------
    timeout_s : float
        Wall-clock limit of one job (script, export and renders), enforced by
        the host process, which kills the whole sandbox when it is exceeded.
    memory_mb : int
        Address-space limit (``RLIMIT_AS``) of the job process, in MiB.
    max_file_mb : int
        Largest file a job may write (``RLIMIT_FSIZE``), in MiB.
    max_procs : int
        Process and thread limit (``RLIMIT_NPROC``) of the worker's user.
    stdout_limit : int
        Bytes of the script's stdout and of its stderr kept in the result.
    views : int
        Number of clay renders per asset (0 skips rendering).
    size : int
        Width and height of each render, in pixels.
    azimuths : tuple of float
        Camera azimuths in degrees; the first ``views`` of them are used.
    engine : str
        ``"workbench"`` (fast clay) or ``"cycles"`` (matches the reference
        benchmark's renders, much slower on a CPU).
    cycles_samples : int
        Samples per pixel when ``engine == "cycles"``.
    compress : str
        ``"draco"`` or ``"none"``: compression of the browser GLB.
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
    """

    timeout_s: float = 240.0
    memory_mb: int = 4096
    max_file_mb: int = 512
    max_procs: int = 256
    stdout_limit: int = 65536
    views: int = 4
    size: int = 512
    azimuths: tuple[float, ...] = (45.0, 135.0, 225.0, 315.0)
    engine: str = "workbench"
    cycles_samples: int = 64
    compress: str = "draco"
    strip_materials: bool = True
    sandbox: bool = True
    workers: int = 2
    uid_base: int = 61000
    start_timeout_s: float = 120.0
    tmpfs_mb: int = 1024
    reset_each_job: bool = False

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if self.compress not in COMPRESSIONS:
            raise ValueError(f"compress must be one of {COMPRESSIONS}, not {self.compress!r}")
        if self.views < 0 or self.views > len(self.azimuths):
            raise ValueError(f"views must be between 0 and {len(self.azimuths)}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")

    def job_settings(self) -> dict[str, Any]:
        """Return the settings the in-Blender job needs, as plain JSON data.

        Returns
        -------
        dict
            Render and export settings plus the job's resource limits.
        """
        data = dataclasses.asdict(self)
        data["azimuths"] = list(self.azimuths[: self.views])
        for host_only in ("sandbox", "workers", "uid_base", "start_timeout_s"):
            data.pop(host_only)
        return data
