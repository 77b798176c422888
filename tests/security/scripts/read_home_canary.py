# Read a canary file the test planted in the host's home directory and print it.
print(open("@HOME@/.canary_@NAME@").read())
