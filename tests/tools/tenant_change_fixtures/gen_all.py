"""Regenerate every tenant-change fixture (see lib.py)."""
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
for name in ("consent", "roles", "newuser", "federation", "authpolicy"):
    runpy.run_path(os.path.join(HERE, name + ".py"), run_name="__main__")
