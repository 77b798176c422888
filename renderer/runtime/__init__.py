"""The render runtime: the warm pool, its sandbox and the Blender job.

Pure: the standard library, numpy and, inside a worker, ``bpy``; never
Django or the apps. This package is all a sandbox mounts (at
``/opt/arena/renderer/runtime``, see :mod:`.sandbox`), so it imports its own
modules relatively. ``python -m renderer.runtime`` renders from the command
line; the Django side builds its pool in :mod:`renderer.workers`.
"""
