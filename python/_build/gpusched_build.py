"""The build backend of the gpusched Python package (PEP 517, PEP 660).

pip runs it from the source tree (pyproject.toml: ``build-backend =
"gpusched_build"``, ``backend-path = ["_build"]``, ``requires = []``), so
building needs nothing but the standard library: no setuptools, no wheel
package, no network. That makes ``pip install ./python`` work offline with
any CPython 3.9+ that has pip (a pyenv or a distribution build alike).

It makes:

- a wheel (``build_wheel``): the ``gpusched`` package and its
  ``.dist-info`` (METADATA, WHEEL, RECORD with SHA-256 digests). With
  ``GPUSCHED_BUNDLE_LIBRARY=/path/to/libgpusched.so.0.1`` in the
  environment the shared library goes into the package as
  ``gpusched/libgpusched.so`` (where the binding looks after
  ``GPUSCHED_LIBRARY``), and the wheel is tagged for this platform
  (``py3-none-linux_x86_64``) instead of ``py3-none-any``;
- an sdist (``build_sdist``): the sources with PKG-INFO; building a wheel
  from it works the same way;
- an editable wheel (``build_editable``, ``pip install -e``): a ``.pth``
  file that puts the source directory on ``sys.path``.

The metadata is the ``[project]`` table of pyproject.toml, read with
``tomllib`` (Python 3.11+) or, on older Pythons, with the small reader
below, which knows the subset of TOML that file uses and refuses anything
else. Keys of ``[project]`` this backend does not implement are errors,
never silently dropped.

``SOURCE_DATE_EPOCH`` sets the timestamps inside the archives (default:
1980-01-01), so that the same sources give the same files.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import os
import re
import sys
import sysconfig
import tarfile
import time
import zipfile

__all__ = [
    "get_requires_for_build_wheel", "get_requires_for_build_sdist",
    "get_requires_for_build_editable", "prepare_metadata_for_build_wheel",
    "prepare_metadata_for_build_editable", "build_wheel", "build_sdist",
    "build_editable",
]

PACKAGE = "gpusched"
BUNDLE_ENV = "GPUSCHED_BUNDLE_LIBRARY"
BUNDLED_NAME = "libgpusched.so"
#: Files of the source tree that go into the sdist besides the package.
SDIST_FILES = ("pyproject.toml", "README.md", "_build/gpusched_build.py")
#: [project] keys this backend implements.
PROJECT_KEYS = {"name", "version", "description", "readme",
                "requires-python", "license", "classifiers", "authors",
                "maintainers", "keywords", "urls", "dependencies"}

_HERE = os.path.dirname(os.path.abspath(__file__))
#: The directory holding pyproject.toml (the parent of _build).
SOURCE_DIR = os.path.dirname(_HERE)


class BuildError(Exception):
    """A problem with the sources or the environment, said in one line."""


# ---- a reader for the TOML subset of pyproject.toml ----------------------


_KEY = re.compile(r'[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r",
            "b": "\b", "f": "\f"}


class _Reader:
    """Tables (``[a.b]``), ``key = value`` with basic strings, literal
    strings, integers, booleans, arrays (over several lines, trailing comma
    allowed) and inline tables, and comments. Anything else is an error
    naming the line: a file this cannot read fully is never half-read."""

    def __init__(self, text: str, name: str):
        self.s = text
        self.i = 0
        self.name = name

    def error(self, what: str) -> BuildError:
        line = self.s.count("\n", 0, self.i) + 1
        col = self.i - (self.s.rfind("\n", 0, self.i) + 1) + 1
        return BuildError(f"{self.name}:{line}:{col}: {what} (this "
                          f"backend reads a subset of TOML on Python < 3.11)")

    def skip(self, newlines: bool) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def key(self) -> list:
        parts = []
        while True:
            self.skip(False)
            m = _KEY.match(self.s, self.i)
            if not m:
                raise self.error("expected a key")
            self.i = m.end()
            k = m.group()
            parts.append(self.unescape(k[1:-1]) if k.startswith('"') else k)
            self.skip(False)
            if self.s.startswith(".", self.i):
                self.i += 1
                continue
            return parts

    def unescape(self, body: str) -> str:
        out = []
        j = 0
        while j < len(body):
            c = body[j]
            if c != "\\":
                out.append(c)
                j += 1
                continue
            e = body[j + 1:j + 2]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                j += 2
            elif e in ("u", "U"):
                n = 4 if e == "u" else 8
                digits = body[j + 2:j + 2 + n]
                if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % n, digits):
                    raise self.error("bad \\u escape")
                out.append(chr(int(digits, 16)))
                j += 2 + n
            else:
                raise self.error(f"unknown escape \\{e}")
        return "".join(out)

    def value(self):
        self.skip(False)
        s, i = self.s, self.i
        if s.startswith('"""', i) or s.startswith("'''", i):
            raise self.error("multi-line strings are not supported")
        if s.startswith('"', i):
            m = re.compile(r'"((?:[^"\\\n]|\\.)*)"').match(s, i)
            if not m:
                raise self.error("unterminated string")
            self.i = m.end()
            return self.unescape(m.group(1))
        if s.startswith("'", i):
            j = s.find("'", i + 1)
            if j < 0 or "\n" in s[i:j]:
                raise self.error("unterminated string")
            self.i = j + 1
            return s[i + 1:j]
        if s.startswith("[", i):
            self.i += 1
            items = []
            while True:
                self.skip(True)
                if s.startswith("]", self.i):
                    self.i += 1
                    return items
                items.append(self.value())
                self.skip(True)
                if s.startswith(",", self.i):
                    self.i += 1
                elif not s.startswith("]", self.i):
                    raise self.error("expected , or ] in an array")
        if s.startswith("{", i):
            self.i += 1
            table: dict = {}
            self.skip(False)
            if s.startswith("}", self.i):
                self.i += 1
                return table
            while True:
                k = self.key()
                if not s.startswith("=", self.i):
                    raise self.error("expected =")
                self.i += 1
                self.put(table, k, self.value())
                self.skip(False)
                if s.startswith(",", self.i):
                    self.i += 1
                elif s.startswith("}", self.i):
                    self.i += 1
                    return table
                else:
                    raise self.error("expected , or } in an inline table")
        m = re.compile(r"(true|false|[+-]?[0-9]+)(?=[\s,\]}#]|$)").match(s, i)
        if not m:
            raise self.error("unsupported value")
        self.i = m.end()
        word = m.group(1)
        if word in ("true", "false"):
            return word == "true"
        return int(word)

    def put(self, table: dict, key: list, value) -> None:
        for k in key[:-1]:
            table = table.setdefault(k, {})
            if not isinstance(table, dict):
                raise self.error(f"key {k!r} is not a table")
        if key[-1] in table:
            raise self.error(f"key {key[-1]!r} defined twice")
        table[key[-1]] = value

    def document(self) -> dict:
        root: dict = {}
        current = root
        while True:
            self.skip(True)
            if self.i >= len(self.s):
                return root
            if self.s.startswith("[[", self.i):
                raise self.error("arrays of tables are not supported")
            if self.s.startswith("[", self.i):
                self.i += 1
                path = self.key()
                if not self.s.startswith("]", self.i):
                    raise self.error("expected ]")
                self.i += 1
                current = root
                for k in path:
                    current = current.setdefault(k, {})
                    if not isinstance(current, dict):
                        raise self.error(f"{k!r} is not a table")
            else:
                k = self.key()
                if not self.s.startswith("=", self.i):
                    raise self.error("expected =")
                self.i += 1
                self.put(current, k, self.value())
            self.skip(False)
            if self.i < len(self.s) and self.s[self.i] not in "\r\n":
                raise self.error("expected the end of the line")


def read_toml(text: str, name: str = "pyproject.toml") -> dict:
    """A TOML document as dicts: tomllib where there is one, else the
    subset reader (the tests check that both agree on pyproject.toml)."""
    try:
        import tomllib
    except ImportError:
        return _Reader(text, name).document()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BuildError(f"{name}: {e}") from None


# ---- metadata ------------------------------------------------------------


class Project:
    """The package's metadata, from pyproject.toml in ``source_dir``."""

    def __init__(self, source_dir: str = SOURCE_DIR):
        self.source_dir = source_dir
        path = os.path.join(source_dir, "pyproject.toml")
        try:
            with open(path, encoding="utf-8") as f:
                doc = read_toml(f.read(), path)
        except OSError as e:
            raise BuildError(f"cannot read {path}: {e.strerror}") from None
        proj = doc.get("project")
        if not isinstance(proj, dict):
            raise BuildError(f"{path}: no [project] table")
        unknown = sorted(set(proj) - PROJECT_KEYS)
        if unknown:
            raise BuildError(f"{path}: [project] key(s) {', '.join(unknown)}"
                             f" not implemented by {__name__}")
        if proj.get("dependencies"):
            raise BuildError(f"{path}: the package must have no "
                             f"dependencies (it installs offline)")
        self.path = path
        self.name = self._text(proj, "name")
        self.version = self._text(proj, "version")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.name):
            raise BuildError(f"{path}: bad project name {self.name!r}")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?"
                            r"(\.post[0-9]+)?(\.dev[0-9]+)?", self.version):
            raise BuildError(f"{path}: version {self.version!r} is not a "
                             f"plain PEP 440 version")
        self.proj = proj
        self.dist = re.sub(r"[-_.]+", "_", self.name).lower()

    def _text(self, proj: dict, key: str) -> str:
        value = proj.get(key)
        if not isinstance(value, str) or not value:
            raise BuildError(f"{self.path}: [project] {key} must be a "
                             f"non-empty string")
        return value

    def _strings(self, key: str) -> list:
        value = self.proj.get(key, [])
        if not isinstance(value, list) or not all(
                isinstance(v, str) for v in value):
            raise BuildError(f"{self.path}: [project] {key} must be an "
                             f"array of strings")
        return value

    def _people(self, key: str):
        """(Author, Author-email) fields for authors/maintainers."""
        names, emails = [], []
        people = self.proj.get(key, [])
        if not isinstance(people, list):
            raise BuildError(f"{self.path}: [project] {key} must be an array")
        for p in people:
            if not isinstance(p, dict) or set(p) - {"name", "email"}:
                raise BuildError(f"{self.path}: [project] {key} entries are "
                                 f"{{name, email}} tables")
            if "email" in p:
                emails.append(f"{p['name']} <{p['email']}>" if "name" in p
                              else p["email"])
            elif "name" in p:
                names.append(p["name"])
        return ", ".join(names), ", ".join(emails)

    def license_file(self):
        """The LICENSE file: in the source directory (an sdist), else in
        the repository above it; None when there is none."""
        for d in (self.source_dir, os.path.dirname(self.source_dir)):
            path = os.path.join(d, "LICENSE")
            if os.path.isfile(path):
                return path
        return None

    def metadata(self) -> str:
        """The core metadata (METADATA / PKG-INFO), version 2.1."""
        p = self.proj
        lines = ["Metadata-Version: 2.1", f"Name: {self.name}",
                 f"Version: {self.version}"]
        if "description" in p:
            summary = p["description"]
            if not isinstance(summary, str) or "\n" in summary:
                raise BuildError(f"{self.path}: description must be one line")
            lines.append(f"Summary: {summary}")
        for key, field in (("authors", "Author"),
                           ("maintainers", "Maintainer")):
            names, emails = self._people(key)
            if names:
                lines.append(f"{field}: {names}")
            if emails:
                lines.append(f"{field}-email: {emails}")
        lic = p.get("license")
        if lic is not None:
            if not isinstance(lic, dict) or set(lic) != {"text"}:
                raise BuildError(f"{self.path}: license must be "
                                 f"{{text = \"...\"}}")
            lines.append(f"License: {lic['text']}")
        if "keywords" in p:
            lines.append(f"Keywords: {','.join(self._strings('keywords'))}")
        for c in self._strings("classifiers"):
            lines.append(f"Classifier: {c}")
        urls = p.get("urls", {})
        if not isinstance(urls, dict):
            raise BuildError(f"{self.path}: urls must be a table")
        for label, url in urls.items():
            lines.append(f"Project-URL: {label}, {url}")
        if "requires-python" in p:
            lines.append(f"Requires-Python: {p['requires-python']}")
        body = ""
        readme = p.get("readme")
        if readme is not None:
            if not isinstance(readme, str):
                raise BuildError(f"{self.path}: readme must be a file name")
            kind = ("text/markdown" if readme.lower().endswith(".md") else
                    "text/x-rst" if readme.lower().endswith(".rst") else
                    "text/plain")
            lines.append(f"Description-Content-Type: {kind}")
            try:
                with open(os.path.join(self.source_dir, readme),
                          encoding="utf-8") as f:
                    body = f.read()
            except OSError as e:
                raise BuildError(f"readme {readme}: {e.strerror}") from None
        for line in lines:
            if "\n" in line or "\r" in line:
                raise BuildError(f"{self.path}: a metadata value spans "
                                 f"lines: {line[:40]!r}")
        return "\n".join(lines) + "\n\n" + body

    def package_files(self):
        """(path in the archive, path on disk) of the package's files."""
        top = os.path.join(self.source_dir, PACKAGE)
        out = []
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames
                                 if d != "__pycache__" and not d.startswith("."))
            for fn in sorted(filenames):
                if fn.endswith((".py", ".typed")):
                    full = os.path.join(dirpath, fn)
                    rel = os.path.relpath(full, self.source_dir)
                    out.append((rel.replace(os.sep, "/"), full))
                elif fn.startswith("libgpusched.so"):
                    print(f"{__name__}: leaving out {os.path.join(dirpath, fn)}"
                          f" (bundle a library with {BUNDLE_ENV}=PATH)",
                          file=sys.stderr)
        if not out:
            raise BuildError(f"no {PACKAGE} package in {self.source_dir}")
        return out


# ---- archives ------------------------------------------------------------


def _epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return 315532800  # 1980-01-01, the earliest a zip file can say
    if not value.isdigit() or not 315532800 <= int(value) <= 4102444800:
        raise BuildError(f"SOURCE_DATE_EPOCH={value!r} is not a time from "
                         f"1980 to 2100 (seconds)")
    return int(value)


def _digest(data: bytes) -> str:
    raw = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class _Wheel:
    """A wheel being written: files, then the dist-info with RECORD."""

    def __init__(self, path: str):
        self.path = path
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.records = []
        self.when = time.gmtime(_epoch())[:6]

    def add(self, arcname: str, data: bytes, executable: bool = False):
        info = zipfile.ZipInfo(arcname, self.when)
        info.external_attr = (0o100755 if executable else 0o100644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.records.append((arcname, _digest(data), str(len(data))))

    def close(self, record_name: str) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for row in self.records:
            w.writerow(row)
        w.writerow((record_name, "", ""))
        info = zipfile.ZipInfo(record_name, self.when)
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, buf.getvalue().encode())
        self.zip.close()


_ELF_MACHINES = {3: "i686", 40: "arm", 62: "x86_64", 183: "aarch64",
                 21: "ppc64", 22: "s390x", 243: "riscv64"}


def _bundled_library():
    """The library named by GPUSCHED_BUNDLE_LIBRARY (its bytes), or None."""
    src = os.environ.get(BUNDLE_ENV)
    if not src:
        return None
    try:
        with open(os.path.realpath(src), "rb") as f:
            data = f.read()
    except OSError as e:
        raise BuildError(f"{BUNDLE_ENV}={src}: {e.strerror}") from None
    if data[:4] != b"\x7fELF" or len(data) < 20:
        raise BuildError(f"{BUNDLE_ENV}={src}: not a shared library (ELF)")
    order = "little" if data[5] == 1 else "big"
    machine = _ELF_MACHINES.get(int.from_bytes(data[18:20], order))
    here = sysconfig.get_platform().split("-")[-1]
    if machine and not (here == machine or (machine == "arm" and
                                            here.startswith("arm"))
                        or (machine == "ppc64" and here.startswith("ppc64"))):
        raise BuildError(f"{BUNDLE_ENV}={src}: a library for {machine}, "
                         f"this platform is {here}")
    return data


def _platform_tag() -> str:
    tag = re.sub(r"[^A-Za-z0-9_]", "_", sysconfig.get_platform())
    return tag


def _dist_info_files(project: Project, tag: str, purelib: bool):
    """(name, bytes) of the .dist-info files other than RECORD."""
    wheel = ("Wheel-Version: 1.0\n"
             f"Generator: {__name__}\n"
             f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
             f"Tag: {tag}\n")
    files = [("METADATA", project.metadata().encode("utf-8")),
             ("WHEEL", wheel.encode())]
    lic = project.license_file()
    if lic:
        with open(lic, "rb") as f:
            files.append(("LICENSE", f.read()))
    return files


def _build(wheel_directory: str, editable: bool) -> str:
    project = Project()
    library = None if editable else _bundled_library()
    if editable and os.environ.get(BUNDLE_ENV):
        raise BuildError(f"{BUNDLE_ENV} needs a regular wheel, not an "
                         f"editable install (an editable install uses the "
                         f"library named by GPUSCHED_LIBRARY or the "
                         f"system's)")
    tag = f"py3-none-{_platform_tag()}" if library else "py3-none-any"
    name = f"{project.dist}-{project.version}-{tag}.whl"
    dist_info = f"{project.dist}-{project.version}.dist-info"
    os.makedirs(wheel_directory, exist_ok=True)
    path = os.path.join(wheel_directory, name)
    tmp = path + ".part"
    wheel = _Wheel(tmp)
    try:
        if editable:
            where = os.path.abspath(project.source_dir)
            if "\n" in where:
                raise BuildError("the source path contains a newline")
            wheel.add(f"__editable__.{project.dist}.pth",
                      (where + "\n").encode())
        else:
            for arcname, full in project.package_files():
                with open(full, "rb") as f:
                    wheel.add(arcname, f.read())
            if library is not None:
                wheel.add(f"{PACKAGE}/{BUNDLED_NAME}", library,
                          executable=True)
        for fn, data in _dist_info_files(project, tag, library is None):
            wheel.add(f"{dist_info}/{fn}", data)
        wheel.close(f"{dist_info}/RECORD")
        os.replace(tmp, path)
    except BaseException:
        wheel.zip.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return name


def _metadata_dir(metadata_directory: str, editable: bool) -> str:
    project = Project()
    library = None if editable else os.environ.get(BUNDLE_ENV)
    tag = f"py3-none-{_platform_tag()}" if library else "py3-none-any"
    dist_info = f"{project.dist}-{project.version}.dist-info"
    d = os.path.join(metadata_directory, dist_info)
    os.makedirs(d, exist_ok=True)
    for fn, data in _dist_info_files(project, tag, not library):
        with open(os.path.join(d, fn), "wb") as f:
            f.write(data)
    return dist_info


# ---- the PEP 517 / PEP 660 hooks -----------------------------------------


def _one_line(fn):
    """Report BuildError as one line (pip shows the hook's stderr)."""
    def hook(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BuildError as e:
            print(f"{__name__}: error: {e}", file=sys.stderr)
            raise SystemExit(1) from None
    hook.__name__ = fn.__name__
    hook.__doc__ = fn.__doc__
    return hook


def get_requires_for_build_wheel(config_settings=None):
    """Nothing: the backend uses the standard library only."""
    return []


def get_requires_for_build_sdist(config_settings=None):
    """Nothing."""
    return []


def get_requires_for_build_editable(config_settings=None):
    """Nothing."""
    return []


@_one_line
def prepare_metadata_for_build_wheel(metadata_directory,
                                     config_settings=None):
    """Write the .dist-info the wheel will have; returns its name."""
    return _metadata_dir(metadata_directory, editable=False)


@_one_line
def prepare_metadata_for_build_editable(metadata_directory,
                                        config_settings=None):
    """Write the .dist-info the editable wheel will have."""
    return _metadata_dir(metadata_directory, editable=True)


@_one_line
def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    """Build the wheel into ``wheel_directory``; returns its file name."""
    return _build(wheel_directory, editable=False)


@_one_line
def build_editable(wheel_directory, config_settings=None,
                   metadata_directory=None):
    """Build an editable wheel (a .pth naming the source directory)."""
    return _build(wheel_directory, editable=True)


@_one_line
def build_sdist(sdist_directory, config_settings=None):
    """Build the source distribution; returns its file name."""
    project = Project()
    base = f"{project.dist}-{project.version}"
    name = f"{base}.tar.gz"
    members = [(f"{base}/PKG-INFO", project.metadata().encode("utf-8"))]
    for rel in SDIST_FILES:
        full = os.path.join(project.source_dir, rel)
        try:
            with open(full, "rb") as f:
                members.append((f"{base}/{rel}", f.read()))
        except OSError as e:
            raise BuildError(f"{full}: {e.strerror}") from None
    lic = project.license_file()
    if lic:
        with open(lic, "rb") as f:
            members.append((f"{base}/LICENSE", f.read()))
    for arcname, full in project.package_files():
        with open(full, "rb") as f:
            members.append((f"{base}/{arcname}", f.read()))
    when = _epoch()
    os.makedirs(sdist_directory, exist_ok=True)
    path = os.path.join(sdist_directory, name)
    tmp = path + ".part"
    try:
        with open(tmp, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                              mtime=when) as gz, \
                tarfile.open(fileobj=gz, mode="w",
                             format=tarfile.PAX_FORMAT) as tar:
            dirs = set()
            for arcname, _ in members:
                parts = arcname.split("/")[:-1]
                for k in range(1, len(parts) + 1):
                    dirs.add("/".join(parts[:k]))
            for d in sorted(dirs):
                info = tarfile.TarInfo(d)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = when
                tar.addfile(info)
            for arcname, data in sorted(members):
                info = tarfile.TarInfo(arcname)
                info.size = len(data)
                info.mode = 0o644
                info.mtime = when
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return name
