"""Stage 5: write the generated module to the cache and load it.

A model's folder in the cache is named by a hash of its text and of the
versions of ppl, numba and numpy.  It holds the checked IR (pickled, so a
warm start needs neither Lark nor SymPy), the generated source ``model.py``
(readable; `ppl show --code` prints it) and Numba's own cache of its compiled
functions (``__pycache__``), so a second `compile` in a fresh process costs
an import and a cache load.

The cache lives in ``$PPL_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/ppl``
or ``~/.cache/ppl``; when that folder cannot be written, in a temporary one
(with a `CacheWarning` naming ``PPL_CACHE_DIR``).

A cache that heals.  The files ppl writes come in two groups, each written
whole before its manifest (SHA-256 digests in `sha256sum`'s format), every
file atomically (a temporary file, then `os.replace`):

    program.pickle                   program.sha256     (`ppl.compile`)
    model.py, facts.pickle           generated.sha256   (the first `condition`)

A group is trusted only when its manifest lists exactly its files and every
digest matches.  No manifest means the group was never finished (or is being
written by another process at this moment): it is built again, silently.  A
manifest that is damaged, or a file that is missing or does not match it, is
damage: the group is built again from the model's text and one `CacheWarning`
line says which model and what was rebuilt.  Numba's files (``__pycache__``,
written atomically by Numba) are checked to be whole pickles before the module
is imported; a damaged one is deleted, so Numba compiles that function again.
A load that still fails inside Numba's cache code deletes the whole
``__pycache__`` and is tried once more (`discard_numba_cache`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import os
import pickle
import pickletools
import re
import shutil
import sys
import tempfile
import uuid
import warnings
from pathlib import Path

import numba
import numpy

from codegen.deep_stack import on_deep_stack
from ppl import version as ppl_version
from ppl.errors import CacheWarning, ModelNotSupportedError

_FORMAT = 4   # bump when the layout of a cache folder or of what it pickles changes

# (manifest, the files it covers): each group is written whole, its manifest last
PROGRAM = ("program.sha256", ("program.pickle",))
GENERATED = ("generated.sha256", ("model.py", "facts.pickle"))
NUMBA_FOLDER = "__pycache__"
REBUILT_PROGRAM = "checked the model again and rewrote program.pickle"
REBUILT_GENERATED = "generated model.py and facts.pickle again"
_MANIFEST_LINE = re.compile(r"([0-9a-f]{64})  (\S+)")


# --------------------------------------------------------------------------------------
# Where the cache is

def cache_root() -> Path:
    """The cache folder: $PPL_CACHE_DIR, else $XDG_CACHE_HOME/ppl or ~/.cache/ppl; a temporary
    folder (with one CacheWarning per process) when that one cannot be created or written."""
    return _usable_root(os.environ.get("PPL_CACHE_DIR") or None, os.environ.get("XDG_CACHE_HOME") or None,
                        os.path.expanduser("~"))


@functools.lru_cache(maxsize=None)
def _usable_root(configured: str | None, xdg_cache_home: str | None, home: str) -> Path:
    wanted = Path(configured) if configured else Path(xdg_cache_home or os.path.join(home, ".cache")) / "ppl"
    problem = _unusable(wanted)
    if problem is None:
        return wanted
    fallback = Path(tempfile.gettempdir()) / f"ppl-cache-{_user_id()}"
    if _unusable(fallback) is not None:
        fallback = Path(tempfile.mkdtemp(prefix="ppl-cache-"))
    if configured:
        where = f"PPL_CACHE_DIR={configured}"
        advice = "point PPL_CACHE_DIR at a folder you can write"
    else:
        where = f"the default model cache {wanted}"
        advice = "set PPL_CACHE_DIR to a folder you can write"
    _warn(f"ppl: {where} cannot hold the model cache ({problem}); caching compiled models in {fallback} "
          f"instead ({advice})")
    return fallback


def _unusable(folder: Path) -> str | None:
    """Why folder cannot hold the cache (created if missing), or None when it can."""
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"it cannot be created: {error.strerror or error}"
    probe = folder / f".ppl-write-test.{uuid.uuid4().hex[:12]}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        return f"it is not writable: {error.strerror or error}"
    return None


def _user_id() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "user"


def model_key(text: str) -> str:
    digest = hashlib.sha256()
    for part in (text, ppl_version.__version__, numba.__version__, numpy.__version__, str(_FORMAT), _compiler_digest()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def _compiler_digest() -> str:
    """A hash of every source file that shapes generated code, so that a changed compiler
    (an upgrade, or a developer's edit) never reuses a stale module."""
    digest = hashlib.sha256()
    roots = [Path(__file__).parent, Path(ppl_version.__file__).parent]
    checkout_grammar = Path(__file__).parent.parent / "grammar"   # codegen/parse.py reads it when present
    if checkout_grammar.is_dir():
        roots.append(checkout_grammar)
    for root in roots:
        for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.lark")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_folder(text: str) -> Path:
    return cache_root() / model_key(text)


# --------------------------------------------------------------------------------------
# The two groups ppl writes

def load_program(text: str, label: str | None = None):
    """The cached IR of a model text, or None (absent, or damaged: then one CacheWarning).
    label names the model in that warning (its file)."""
    files = _load_group(text, PROGRAM, REBUILT_PROGRAM, label)
    if files is None:
        return None
    try:
        return on_deep_stack(lambda: pickle.loads(files["program.pickle"]))   # deep expressions pickle deep
    except Exception as error:   # digests match, yet it does not load: stale, rebuilt all the same
        _report(text, f"program.pickle does not load ({type(error).__name__})", REBUILT_PROGRAM, label)
        return None


def store_program(text: str, program) -> None:
    _store_group(text, PROGRAM, {"program.pickle": on_deep_stack(lambda: pickle.dumps(program))})


def load_generated(text: str):
    """The cached generated module's (source, facts) of a model text, or None (absent, or
    damaged: then one CacheWarning)."""
    files = _load_group(text, GENERATED, REBUILT_GENERATED)
    if files is None:
        return None
    try:
        return files["model.py"].decode("utf-8"), pickle.loads(files["facts.pickle"])
    except Exception as error:   # digests match, yet it does not load: stale, rebuilt all the same
        _report(text, f"the generated module does not load ({type(error).__name__})", REBUILT_GENERATED)
        return None


def store_generated(text: str, source: str, facts) -> None:
    _store_group(text, GENERATED, {"model.py": source.encode("utf-8"), "facts.pickle": pickle.dumps(facts)})


def _load_group(text: str, group, action: str, label: str | None = None) -> dict[str, bytes] | None:
    """The group's files (name → bytes) when its manifest vouches for them; None when the group
    was never finished (silently) or is damaged (with one warning)."""
    manifest_name, names = group
    folder = model_folder(text)
    try:
        manifest = (folder / manifest_name).read_bytes()
    except FileNotFoundError:
        return None    # never written, or being written by another process right now
    except NotADirectoryError:
        _report(text, "its cache folder is a file", action, label)
        return None
    except OSError as error:
        _report(text, f"{manifest_name} cannot be read ({error.strerror or error})", action, label)
        return None
    digests = _parse_manifest(manifest)
    if digests is None or set(digests) != set(names):
        _report(text, f"{manifest_name} is damaged", action, label)
        return None
    files = {}
    for name in names:
        try:
            files[name] = (folder / name).read_bytes()
        except FileNotFoundError:
            _report(text, f"{name} is missing", action, label)
            return None
        except OSError as error:
            _report(text, f"{name} cannot be read ({error.strerror or error})", action, label)
            return None
        if hashlib.sha256(files[name]).hexdigest() != digests[name]:
            _report(text, f"{name} does not match its checksum", action, label)
            return None
    return files


def _parse_manifest(data: bytes) -> dict[str, str] | None:
    """{file name: SHA-256 hex digest} from `sha256sum` lines, or None when it is not one."""
    try:
        lines = data.decode("ascii").splitlines()
    except UnicodeDecodeError:
        return None
    digests = {}
    for line in lines:
        found = _MANIFEST_LINE.fullmatch(line)
        if found is None:
            return None
        digests[found.group(2)] = found.group(1)
    return digests or None


def _store_group(text: str, group, files: dict[str, bytes]) -> None:
    manifest_name, names = group
    folder = _entry_folder(text)
    for name in names:
        _atomic_write(folder / name, files[name])
    manifest = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in names)
    _atomic_write(folder / manifest_name, manifest.encode("ascii"))


def _entry_folder(text: str) -> Path:
    """The model's folder, created; a file in its place (damage) is replaced."""
    folder = model_folder(text)
    if folder.exists() and not folder.is_dir():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _atomic_write(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the new one, never a part:
    a temporary file in the same folder (unique per process and thread), then os.replace."""
    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------
# Importing the generated module, and Numba's cache of it

def import_generated(text: str):
    """Import a model's generated module from its cache folder (Numba compiles or loads its
    functions).  Damaged Numba cache files are deleted first; a load that still fails inside
    Numba's cache code is retried once without it."""
    folder = model_folder(text)
    module_name = f"ppl_model_{folder.name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    _check_numba_files(text, folder / NUMBA_FOLDER)
    try:
        return _import(module_name, folder / "model.py")
    except Exception as error:
        if not discard_numba_cache(text, error):
            raise
    return _import(module_name, folder / "model.py")


def _import(module_name: str, path: Path):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # before it runs: Numba's cache looks the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]     # a failed import is not kept
        raise
    return module


def discard_numba_cache(text: str, error: BaseException) -> bool:
    """When error was raised inside Numba's cache code and the model has a Numba cache: delete
    it, forget the imported module, warn, and return True (the caller imports and tries again)."""
    folder = model_folder(text)
    numba_folder = folder / NUMBA_FOLDER
    if not numba_folder.is_dir() or not _raised_in_numba_cache(error, numba_folder):
        return False
    shutil.rmtree(numba_folder, ignore_errors=True)
    sys.modules.pop(f"ppl_model_{folder.name}", None)
    first_line = (str(error).strip().splitlines() or [""])[0][:120]
    _report(text, f"Numba's cache of its compiled functions failed to load ({type(error).__name__}: {first_line})",
            "deleted it; Numba compiled the functions again")
    return True


def _raised_in_numba_cache(error: BaseException, numba_folder: Path) -> bool:
    """Whether error, or an error it was raised from, passed through Numba's cache code
    (numba/core/caching.py) while it read numba_folder.  The folder is read off the cache
    objects in those frames (their `_cache_path`); where none has one, any frame there counts."""
    paths = set()
    passed = False
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        trace = error.__traceback__
        while trace is not None:
            if Path(trace.tb_frame.f_code.co_filename).match("numba/core/caching.py"):
                passed = True
                cache_path = getattr(trace.tb_frame.f_locals.get("self"), "_cache_path", None)
                if isinstance(cache_path, str):
                    paths.add(os.path.realpath(cache_path))
            trace = trace.tb_next
        error = error.__cause__ or error.__context__
    return passed and (not paths or os.path.realpath(numba_folder) in paths)


def _check_numba_files(text: str, numba_folder: Path) -> None:
    """Delete Numba's index (.nbi: two pickles) and data (.nbc: one pickle) files that are not
    whole pickles, with one warning; Numba compiles those functions again.  The pickles are
    walked, not loaded (loading one imports the module it belongs to).  A missing file is no
    damage: to Numba it is a cache miss (Numba writes an index before its data file)."""
    if numba_folder.exists() and not numba_folder.is_dir():
        numba_folder.unlink()
        _report(text, f"{NUMBA_FOLDER} is a file", "replaced it by a folder; Numba compiled the functions again")
        return
    try:
        entries = sorted(numba_folder.iterdir())
    except OSError:
        return
    damaged = []
    for path in entries:
        expected = {".nbi": 2, ".nbc": 1}.get(path.suffix)
        if expected is None:
            continue
        try:
            whole = _whole_pickles(path.read_bytes(), expected)
        except OSError:
            whole = False
        if not whole:
            damaged.append(path)
    if not damaged:
        return
    for path in damaged:
        path.unlink(missing_ok=True)
    names = ", ".join(path.name for path in damaged)
    _report(text, f"Numba's cache file{'s' if len(damaged) > 1 else ''} {names} "
                  f"{'are' if len(damaged) > 1 else 'is'} damaged", "deleted; Numba compiled those functions again")


def _whole_pickles(data: bytes, count: int) -> bool:
    """Whether data is exactly `count` complete pickles, one after another."""
    stream = io.BytesIO(data)
    try:
        for _ in range(count):
            for _ in pickletools.genops(stream):
                pass
    except Exception:   # truncated, or not a pickle at all
        return False
    return stream.tell() == len(data)


# --------------------------------------------------------------------------------------
# Reporting

def _report(text: str, what: str, action: str, label: str | None = None) -> None:
    """One warning line: which model, what was wrong, what was rebuilt."""
    folder = model_folder(text)
    _warn(f"ppl: the cache entry of {_describe(text, folder, label)} was damaged ({what}); {action} "
          f"(cache folder {folder})")


def _warn(message: str) -> None:
    """A CacheWarning attributed to the first caller outside ppl and its compiler (the user's line)."""
    inside = (str(Path(__file__).resolve().parent), str(Path(ppl_version.__file__).resolve().parent))
    frame, level = sys._getframe(1), 2   # stacklevel 1 is this function, 2 its caller
    while frame is not None and (frame.f_code.co_filename.startswith(inside)
                                 or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, CacheWarning, stacklevel=level)


def _describe(text: str, folder: Path, label: str | None) -> str:
    """The model's file when known (given, or read from the cached IR), else its first line."""
    if label is None:
        files = None
        try:
            digests = _parse_manifest((folder / PROGRAM[0]).read_bytes()) or {}
            data = (folder / "program.pickle").read_bytes()
            if hashlib.sha256(data).hexdigest() == digests.get("program.pickle"):
                files = data
        except OSError:
            pass
        if files is not None:
            try:
                label = on_deep_stack(lambda: pickle.loads(files)).filename
            except Exception:
                label = None
    if label and label != "<string>":
        return f"model {label}"
    first = next((line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")),
                 "")
    return f"the model given as text ({first[:40]!r}{'...' if len(first) > 40 else ''})"


def not_supported(message: str, span):
    return ModelNotSupportedError(f"the compiler cannot emit this yet: {message}", span,
                                  hint="the model is valid; rewrite this statement with what docs/language.md "
                                       "lists as compiled, or see its section 'Not compiled yet'")
