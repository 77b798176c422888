# Read a canary file the test planted in the project tree and print it.
print(open("@PROJECT@/.canary_@NAME@").read())
