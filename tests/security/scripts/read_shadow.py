# Read the host's password hashes.
print(open("/etc/shadow").read())
