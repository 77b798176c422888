# Write one 4 GiB file into the job's directory.
import os

written = 0
chunk = b"\0" * (1 << 20)
with open("big.bin", "wb", buffering=0) as handle:
    try:
        while written < 4 << 30:
            written += handle.write(chunk)
    except OSError:
        print("written", written)
        raise
