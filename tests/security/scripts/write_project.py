# Write a file into the project tree (next to manage.py).
with open("@PROJECT@/escape_@TOKEN@", "w") as handle:
    handle.write("escaped")
