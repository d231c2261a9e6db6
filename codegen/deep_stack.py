"""Deep recursion for the compiler's passes.

Parsing, checking, emitting and pickling recurse over expressions; a model
line of a few hundred nested terms (a long sum, many unary minus signs) is
valid and must not hit Python's default recursion limit.  The passes run
on a thread whose stack is large enough for a high limit.
"""

from __future__ import annotations

import sys
import threading

_STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 200_000


def on_deep_stack(function):
    """function() on a thread with a deep stack and a high recursion limit; its result or its exception."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:   # re-raised in the caller's thread
            outcome["error"] = error

    previous_stack = threading.stack_size(_STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
    try:
        worker = threading.Thread(target=run, name="ppl-compiler")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous_stack)
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
