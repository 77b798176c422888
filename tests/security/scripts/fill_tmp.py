# Fill /tmp (inside the sandbox, a tmpfs: host memory) with many small files.
import os

written = 0
chunk = b"\0" * (1 << 20)
try:
    for index in range(100000):
        with open(f"/tmp/fill_{index}", "wb") as handle:
            handle.write(chunk)
        written += len(chunk)
except OSError:
    print("written", written)
    raise
