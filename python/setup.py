"""Build hook: bundle libgpusched into the package when asked.

With GPUSCHED_BUNDLE_LIBRARY=/path/to/libgpusched.so.0.1 in the environment
of `pip install` / `pip wheel`, that file is copied into the built package
as gpusched/libgpusched.so, where the binding looks first after
GPUSCHED_LIBRARY. Without it the package is pure Python and uses the
library installed on the system. Everything else is in pyproject.toml.
"""

import os
import shutil

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        src = os.environ.get("GPUSCHED_BUNDLE_LIBRARY")
        if not src:
            return
        if not os.path.isfile(src):
            raise SystemExit(f"GPUSCHED_BUNDLE_LIBRARY={src}: no such file")
        dest = os.path.join(self.build_lib, "gpusched", "libgpusched.so")
        self.announce(f"bundling {src} as {dest}", level=2)
        shutil.copyfile(os.path.realpath(src), dest)


class MaybeBinary(Distribution):
    """A wheel that bundles the shared library is platform-specific."""

    def has_ext_modules(self):
        return bool(os.environ.get("GPUSCHED_BUNDLE_LIBRARY"))


setup(cmdclass={"build_py": BuildPy}, distclass=MaybeBinary)
