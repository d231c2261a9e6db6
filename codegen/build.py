"""Stage 5: write the generated module to the cache and load it.

A model's folder in the cache is named by a hash of its text and of the
versions of ppl, numba and numpy.  It holds the checked IR (pickled, so a
warm start needs neither Lark nor SymPy), the generated source ``model.py``
(readable; `ppl show --code` prints it) and Numba's own cache of its compiled
functions (``__pycache__``), so a second `compile` in a fresh process costs
an import and a cache load.

The cache lives in ``$PPL_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/ppl``
or ``~/.cache/ppl``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pickle
import sys
from pathlib import Path

import numba
import numpy

from codegen.deep_stack import on_deep_stack
from ppl import version as ppl_version
from ppl.errors import ModelNotSupportedError

_FORMAT = 3   # bump when the layout of a cache folder or of what it pickles changes


def cache_root() -> Path:
    configured = os.environ.get("PPL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ppl"


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
    for root in roots:
        for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.lark")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_folder(text: str) -> Path:
    return cache_root() / model_key(text)


def load_program(text: str):
    """The cached IR of a model text, or None."""
    path = model_folder(text) / "program.pickle"
    if not path.exists():
        return None
    try:
        data = path.read_bytes()
        return on_deep_stack(lambda: pickle.loads(data))   # deep expressions pickle deep
    except Exception:   # a damaged or stale cache entry is rebuilt, never trusted
        return None


def store_program(text: str, program) -> None:
    folder = model_folder(text)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "program.pickle", on_deep_stack(lambda: pickle.dumps(program)))


def load_generated(text: str):
    """The cached generated module's (source, facts) of a model text, or None (absent or damaged)."""
    folder = model_folder(text)
    try:
        source = (folder / "model.py").read_text()
        with open(folder / "facts.pickle", "rb") as handle:
            facts = pickle.load(handle)
    except Exception:   # absent, or a damaged or stale cache entry: emitted anew, never trusted
        return None
    return source, facts


def store_generated(text: str, source: str, facts) -> None:
    folder = model_folder(text)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "model.py", source.encode())
    _atomic_write(folder / "facts.pickle", pickle.dumps(facts))


def import_generated(text: str):
    """Import a model's generated module from its cache folder (Numba compiles or loads its functions)."""
    folder = model_folder(text)
    module_name = f"ppl_model_{folder.name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, folder / "model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # before it runs: Numba's cache looks the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]     # a failed import is not kept
        raise
    return module


def not_supported(message: str, span):
    return ModelNotSupportedError(f"the compiler cannot emit this yet: {message}", span,
                                  hint="the model is valid; rewrite this statement with what docs/language.md "
                                       "lists as compiled, or see its section 'Not compiled yet'")


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
