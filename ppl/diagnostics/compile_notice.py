"""The first run after installing ppl compiles its Numba libraries, and says so.

(It lives in the diagnostics package because the diagnostics stand alone, importing
nothing else of ppl, and announce their own compilation; `ppl/first_run.py` uses it
for the samplers.)

The samplers (`ppl/sampling/chain.py`) and the diagnostics' kernels
(`ppl/diagnostics/estimators.py`) are compiled once and then loaded from Numba's
disk cache in a fraction of a second; compiling them takes tens of seconds, which
a new user would otherwise spend looking at a silent prompt (issue #13, item 6).
Before loading one, ppl asks Numba's own cache whether it holds a fresh build of
the library's entry point (the index Numba would read, with the source stamp it
checks, in the folder it would use: NUMBA_CACHE_DIR or beside the source), and
only when it does not, prints one line to stderr saying what is compiling and how
long it usually takes.  So the line appears on a cold cache only, never on later
runs, at most once per library and process, and `sample(progress=False)`
(`ppl sample --no-progress`) silences it.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import NamedTuple


class Library(NamedTuple):
    module: str
    entry_point: str      # a function compiled when the module is imported or first used
    description: str
    usually: str          # how long compiling it takes, on two cores


DIAGNOSTICS = Library("ppl.diagnostics.estimators", "diagnose_quantities", "the convergence diagnostics", "15-25 s")
TOGETHER_USUALLY = "45-75 s"   # two libraries compiling side by side (the diagnostics in another process)

_PACKAGE_PARENT = Path(__file__).parent.parent.parent   # as Python found ppl: the path Numba's cache uses
_cached: set[str] = set()       # libraries found cached: that stays true
_announced: set[str] = set()    # libraries this process has already said it compiles


def cached(library: Library) -> bool:
    """Whether Numba's disk cache holds a fresh build of the library's entry point
    (without importing the module: importing it is what compiles it).

    The function is rebuilt from the module's source without running it, so that
    Numba's cache machinery finds the same index file and source stamp as the real
    import will.  When that machinery cannot answer (a Numba that moved it), the
    answer is True: better no line than a wrong one on every run."""
    if library.module in _cached:
        return True
    path = _PACKAGE_PARENT.joinpath(*library.module.split(".")).with_suffix(".py")
    try:
        from numba.core.caching import FunctionCache

        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        body = next(constant for constant in code.co_consts
                    if isinstance(constant, types.CodeType) and constant.co_name == library.entry_point)
        found = bool(FunctionCache(types.FunctionType(body, {}, library.entry_point))._cache_file._load_index())
    except Exception:   # noqa: BLE001 - any failure here only means: say nothing
        found = True
    if found:
        _cached.add(library.module)
    return found


def announce(libraries: list[Library], stream=None) -> None:
    """Print one line naming those of `libraries` about to be compiled: not imported yet,
    not in Numba's cache, and not announced before by this process."""
    cold = [library for library in libraries if library.module not in sys.modules
            and library.module not in _announced and not cached(library)]
    if not cold:
        return
    _announced.update(library.module for library in cold)
    usually = cold[0].usually if len(cold) == 1 else TOGETHER_USUALLY
    print(f"ppl: compiling {' and '.join(library.description for library in cold)}: once after installing ppl, "
          f"usually {usually}; later runs load {'it' if len(cold) == 1 else 'them'} from Numba's cache",
          file=stream or sys.stderr, flush=True)
