# Sleep forever (uses no CPU, so no CPU limit catches it).
import time

while True:
    time.sleep(3600)
