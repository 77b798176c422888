# Kill the worker process that forked this job.
import os
import signal

os.kill(os.getppid(), signal.SIGKILL)
while True:
    pass
