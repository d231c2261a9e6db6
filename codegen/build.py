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

from ppl import version as ppl_version

_FORMAT = 2   # bump when the layout of a cache folder or of what it pickles changes


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
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:   # a damaged or stale cache entry is rebuilt, never trusted
        return None


def store_program(text: str, program) -> None:
    folder = model_folder(text)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "program.pickle", pickle.dumps(program))


def load_module(text: str, program):
    """The generated module of a model, emitting and writing it on first use."""
    folder = model_folder(text)
    source_path = folder / "model.py"
    facts_path = folder / "facts.pickle"
    if not (source_path.exists() and facts_path.exists()):
        from codegen.emit import NotSupportedYet
        from codegen.emit_model import emit_module   # the emitter (and SymPy) load only here

        try:
            source, facts = emit_module(program)
        except NotSupportedYet as error:
            raise not_supported(str(error), error.span) from None
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(source_path, source.encode())
        _atomic_write(facts_path, pickle.dumps(facts))
    with open(facts_path, "rb") as handle:
        facts = pickle.load(handle)
    module_name = f"ppl_model_{folder.name}"
    if module_name in sys.modules:
        return sys.modules[module_name], facts
    spec = importlib.util.spec_from_file_location(module_name, source_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module, facts


def not_supported(message: str, span):
    from ppl.errors import ModelNotSupportedError

    return ModelNotSupportedError(f"the compiler cannot emit this yet: {message}", span,
                                  hint="the model is valid; rewrite this statement with what docs/language.md "
                                       "lists as compiled, or see its section 'Not compiled yet'")


def generated_source(text: str, program) -> str:
    load_module(text, program)
    return (model_folder(text) / "model.py").read_text()


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
