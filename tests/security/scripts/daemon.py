# Double-fork, setsid and detach a daemon that writes heartbeats and tries to outlive the job.
import os
import signal
import time

import bpy

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        for fd in range(3):
            os.close(fd)
        beat = 0
        while True:
            beat += 1
            for path in ("/tmp/heartbeat_@TOKEN@", "/job/tmp/heartbeat_@TOKEN@", "/job/out/heartbeat_@TOKEN@"):
                try:
                    with open(path, "w") as handle:
                        handle.write(str(beat))
                except OSError:
                    pass
            time.sleep(0.05)
    os._exit(0)
os.wait()
time.sleep(0.3)
print("uid", os.getuid())
print("daemon running:", os.path.exists("/tmp/heartbeat_@TOKEN@"))
bpy.ops.mesh.primitive_cube_add()
