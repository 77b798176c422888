# Write a file into the host user's home directory.
with open("@HOME@/escape_@TOKEN@", "w") as handle:
    handle.write("escaped")
