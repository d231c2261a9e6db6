"""Every distribution of the language and the library, one module each.

To add a distribution, add a module here that defines one
``ppl.catalogue.declare.Distribution`` at module level; it is found by this
package's registry, and the checker, the compiler and ``ppl.distributions``
pick it up from there.
"""

from __future__ import annotations

import importlib
import pkgutil

from ppl.catalogue.declare import Distribution


def _collect() -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, Distribution):
                for name in (value.name, *value.aliases):
                    if name in found and found[name] is not value:
                        raise RuntimeError(f"two distributions are called {name!r}")
                    found[name] = value
    return found


DISTRIBUTIONS: dict[str, Distribution] = _collect()
