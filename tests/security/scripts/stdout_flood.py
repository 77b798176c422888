# Print 200 MB.
import sys

chunk = "A" * (1 << 20)
for _ in range(200):
    sys.stdout.write(chunk)
