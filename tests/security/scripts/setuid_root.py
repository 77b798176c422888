# Become root.
import os

os.setuid(0)
print("uid", os.getuid())
