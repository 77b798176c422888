# Write into /dev/shm (shared memory: on a host, visible to every process).
with open("/dev/shm/escape_@TOKEN@", "w") as handle:
    handle.write("escaped")
