# Kill this job's own process with SIGKILL (what the kernel's OOM killer would do).
import os
import signal

os.kill(os.getpid(), signal.SIGKILL)
