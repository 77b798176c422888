# Grow memory in 64 MiB steps until something gives.
blobs = []
while True:
    blobs.append(bytearray(64 << 20))
