"""Python dependencies of a job, as PyFlink ships them to its Python
workers, for Sluice's in-process Python: archives (add_python_archive) and
requirements (set_python_requirements).

Archives: PyFlink extracts an archive into the worker's working directory,
under ``target_dir`` (default: the archive's file name), so functions open
``target_dir/file`` by a relative path. Sluice's functions run in this
process, whose working directory is the user's: each archive is extracted
into a per-process temporary directory, and a symlink named ``target_dir``
in the current working directory points at it. A name that exists and is
not such a symlink of this process is refused (nothing of the user's is
overwritten); adding the same name again replaces the process's own link.
The links and the temporary directory are removed at interpreter exit.

Requirements: installed with ``pip install --target`` into a per-process
directory that is put first on sys.path and named by the environment
variable ``_PYTHON_REQUIREMENTS_INSTALL_DIR`` (as PyFlink's workers);
offline from the cache directory when one is given."""
from __future__ import annotations

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from typing import Dict, List, Optional

__all__ = ["add_python_archive", "install_requirements"]

_lock = threading.Lock()
_archive_root: Optional[str] = None
_links: Dict[str, str] = {}  # absolute link path -> its target (ours)
_requirements_dir: Optional[str] = None


def _root() -> str:
    global _archive_root
    if _archive_root is None:
        _archive_root = tempfile.mkdtemp(prefix="sluice-archives-%d-" % os.getpid())
        atexit.register(_cleanup_archives)
    return _archive_root


def _cleanup_archives() -> None:
    global _archive_root
    for link, target in list(_links.items()):
        try:
            if os.path.islink(link) and os.readlink(link) == target:
                os.unlink(link)
        except OSError:
            pass
    _links.clear()
    if _archive_root is not None:
        shutil.rmtree(_archive_root, ignore_errors=True)
        _archive_root = None


def _extract(archive_path: str, dest: str) -> None:
    if zipfile.is_zipfile(archive_path):
        with zipfile.ZipFile(archive_path) as z:
            for info in z.infolist():
                target = os.path.realpath(os.path.join(dest, info.filename))
                if not (target == os.path.realpath(dest) or target.startswith(os.path.realpath(dest) + os.sep)):
                    raise ValueError("add_python_archive: %s has an entry outside the archive: %s" % (archive_path, info.filename))
                z.extract(info, dest)
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(target, mode)
        return
    if tarfile.is_tarfile(archive_path):
        with tarfile.open(archive_path) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(dest, filter="data")
            else:  # pragma: no cover - Python < 3.12 without the backport
                for m in t.getmembers():
                    target = os.path.realpath(os.path.join(dest, m.name))
                    if not target.startswith(os.path.realpath(dest) + os.sep) or m.issym() or m.islnk() or m.isdev():
                        raise ValueError("add_python_archive: %s has an unsafe entry: %s" % (archive_path, m.name))
                t.extractall(dest)
        return
    raise ValueError("add_python_archive: %s is not a zip or tar archive (zip, jar, tar, tar.gz, tgz, ...)" % archive_path)


def add_python_archive(archive_path: str, target_dir: Optional[str] = None) -> str:
    """Extracts ``archive_path`` and makes it reachable as ``target_dir``
    (default: the archive's file name) relative to the current working
    directory; returns the directory the files are in."""
    path = os.path.abspath(archive_path)
    if not os.path.isfile(path):
        raise FileNotFoundError("add_python_archive: %s does not exist" % archive_path)
    name = target_dir if target_dir is not None else os.path.basename(path)
    if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError("add_python_archive: target_dir must be a plain directory name, not %r" % (name,))
    link = os.path.join(os.getcwd(), name)
    with _lock:
        dest = tempfile.mkdtemp(prefix="archive-", dir=_root())
        dest_dir = os.path.join(dest, name)
        os.mkdir(dest_dir)
        try:
            _extract(path, dest_dir)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        if os.path.lexists(link):
            ours = _links.get(link)
            if ours is None or not os.path.islink(link) or os.readlink(link) != ours:
                shutil.rmtree(dest, ignore_errors=True)
                raise FileExistsError(
                    "add_python_archive: %s exists in the working directory; Sluice runs Python functions in this "
                    "process and makes the archive reachable as %r by a symlink there, so it will not replace it. "
                    "Choose another target_dir or move it away." % (link, name))
            os.unlink(link)
            shutil.rmtree(os.path.dirname(ours), ignore_errors=True)
        try:
            os.symlink(dest_dir, link, target_is_directory=True)
        except OSError as err:
            shutil.rmtree(dest, ignore_errors=True)
            raise OSError(err.errno, "add_python_archive: cannot link %s to the extracted archive in the working "
                          "directory (%s); run from a writable directory" % (link, err.strerror)) from None
        _links[link] = dest_dir
    return dest_dir


def _python_executable() -> str:
    venv = os.environ.get("VIRTUAL_ENV") or sys.prefix
    for exe in ("python3", "python"):
        p = os.path.join(venv, "bin", exe)
        if os.path.exists(p):
            return p
    return sys.executable


def install_requirements(requirements_file_path: str, requirements_cache_dir: Optional[str] = None) -> str:
    """pip installs the requirements into this process's requirements
    directory (first on sys.path, ``_PYTHON_REQUIREMENTS_INSTALL_DIR``);
    offline from ``requirements_cache_dir`` when given. Returns the
    directory."""
    global _requirements_dir
    if not os.path.exists(requirements_file_path):
        raise FileNotFoundError("set_python_requirements: %s does not exist" % requirements_file_path)
    with _lock:
        if _requirements_dir is None:
            _requirements_dir = tempfile.mkdtemp(prefix="sluice-requirements-%d-" % os.getpid())
            atexit.register(shutil.rmtree, _requirements_dir, True)
        target = _requirements_dir
    cmd: List[str] = [_python_executable(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                      "--no-warn-script-location", "--upgrade", "--target", target, "-r", requirements_file_path]
    if requirements_cache_dir:
        cmd += ["--no-index", "--find-links", requirements_cache_dir]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("set_python_requirements: pip could not install %s:\n%s"
                           % (requirements_file_path, (r.stderr or r.stdout).strip()))
    if target in sys.path:
        sys.path.remove(target)
    sys.path.insert(0, target)
    os.environ["_PYTHON_REQUIREMENTS_INSTALL_DIR"] = target
    importlib.invalidate_caches()
    _forget_shadowed_modules(target)
    return target


def _forget_shadowed_modules(target: str) -> None:
    """A PyFlink worker starts afresh and imports the installed versions;
    here a module may have been imported already from elsewhere. Pure-Python
    ones are dropped from sys.modules so the next import takes the installed
    version (objects already made keep theirs); a package with compiled
    extensions cannot be loaded twice and stays, with a warning."""
    import warnings
    real_target = os.path.realpath(target)
    for entry in os.listdir(target):
        path = os.path.join(target, entry)
        if entry.endswith(".py"):
            name = entry[:-3]
        elif os.path.isdir(path) and os.path.exists(os.path.join(path, "__init__.py")):
            name = entry
        else:
            continue
        mod = sys.modules.get(name)
        where = getattr(mod, "__file__", None) if mod is not None else None
        if mod is None or where is None or os.path.realpath(where).startswith(real_target + os.sep):
            continue
        compiled = os.path.isdir(path) and any(
            f.endswith((".so", ".pyd")) for _, _, files in os.walk(path) for f in files)
        if compiled:
            warnings.warn("set_python_requirements: %s was imported from %s before; it has compiled extensions and "
                          "cannot be loaded twice, so functions keep using that version" % (name, os.path.dirname(where)))
            continue
        for m in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[m]
