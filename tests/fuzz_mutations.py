"""A seeded mutation fuzzer over the gallery models (examples/*.ppl).

Every mutant of a gallery model must end in one of the accepted outcomes:

* ``rejected``       ``ppl.model(text)`` raises a located ``ppl.ModelError``;
* ``data-error``     ``.condition(data)`` raises a located ``DataError`` (the mutant
                     changed a declaration so the example's data no longer fits);
* ``not-supported``  ``.condition(data)`` raises a located ``ModelNotSupportedError``;
* ``compiled``       it checks, compiles, binds the example's data and evaluates
                     ``log_density_gradient`` at two points to a float (NaN and inf
                     are fine) and a gradient of length ``post.dim``.

Anything else is a failure: ``internal-error`` (``ppl.InternalError``),
``exception`` (a raw Python / Numba / SymPy exception), ``unlocated-error`` (a
``ModelError`` without a line, or with a line outside the text),
``condition-error`` (a located ModelError at condition time that is neither a
``DataError`` nor a ``ModelNotSupportedError``: the checker should have said it),
``render-crash`` (``str(error)`` raises), ``bad-gradient``, ``hang`` (over the
per-mutant timeout) and ``crash`` (the worker process died: a segfault or abort).
Workers run with Numba's bounds checking on, so an out-of-bounds access in
generated code is an exception where it happens, not a silent read or a heap
corrupted for a later mutant.

Each mutant runs in a worker subprocess (a segfault or a hang kills the worker,
never pytest; a dead worker is replaced).  The mutation operators are pure
functions ``(text, rng) -> text``; a mutant is fully determined by its seed::

    python tests/fuzz_mutations.py --seed 17          # show and run one mutant, in-process
    python tests/fuzz_mutations.py --count 2000 --base-seed 1 --json out.json
"""

from __future__ import annotations

import difflib
import json
import os
import queue
import random
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# ---------------------------------------------------------------------------------------------
# the gallery


def _strip_comment_lines(text: str) -> str:
    """Full-line comments removed (mutating them is wasted effort; diffs get shorter)."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


def gallery() -> dict[str, tuple[str, Path]]:
    """name -> (model text without its comment lines, path of its data file)."""
    found = {}
    for path in sorted(EXAMPLES.glob("*.ppl")):
        data = path.with_suffix(".data.json")
        # models with an ODE solve are left out: compiling one (the generated right-hand side and
        # Jacobian included) takes longer than the per-mutant timeout on two loaded cores, so every
        # mutant that compiles would read as a hang (tests/test_ode_language.py checks their errors)
        if data.exists() and not re.search(r"\bode_(rk45|bdf)\(", path.read_text()):
            found[path.stem] = (_strip_comment_lines(path.read_text()), data)
    return found


# ---------------------------------------------------------------------------------------------
# tokens

_TOKEN = re.compile(r"""
     (?P<comment>\#[^\n]*)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z_0-9]*)
    |(?P<op>\*\*|//|==|!=|<=|>=|\+=|->|[-+*/@%<>=~:,()\[\]\.])
    |(?P<newline>\n)
    |(?P<space>[ \t]+)
    |(?P<other>.)
""", re.X | re.S)


@dataclass(frozen=True)
class Token:
    kind: str
    start: int
    end: int
    text: str


def tokens(text: str) -> list[Token]:
    return [Token(m.lastgroup, m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _solid(text: str) -> list[Token]:
    return [t for t in tokens(text) if t.kind not in ("comment", "newline", "space")]


def _replace(text: str, token: Token, new: str) -> str:
    return text[:token.start] + new + text[token.end:]


KEYWORDS = {"data", "param", "gen", "for", "in", "range", "if", "elif", "else", "def", "return", "target",
            "and", "or", "not", "real", "int", "lower", "upper"}
SHAPES = ["simplex", "ordered", "positive_ordered", "corr_cholesky", "corr", "cov", "cov_cholesky"]


def _declared_names(text: str) -> list[str]:
    """Names the model defines: data, params, deterministics, loop variables."""
    names = re.findall(r"^\s*(?:data|param|gen)\s+([A-Za-z_]\w*)", text, re.M)
    names += re.findall(r"^\s*([A-Za-z_]\w*)\s*(?::|=(?!=)|\[)", text, re.M)
    names += re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", text)
    out = []
    for name in names:
        if name not in out and name not in KEYWORDS:
            out.append(name)
    return out


# ---------------------------------------------------------------------------------------------
# mutation operators: pure functions (text, rng) -> text; the text comes back unchanged only
# when the operator has nothing to act on


def delete_token(text, rng):
    solid = _solid(text)
    if not solid:
        return text
    return _replace(text, rng.choice(solid), "")


def swap_adjacent_tokens(text, rng):
    toks = [t for t in tokens(text) if t.kind not in ("comment",)]
    pairs = []
    solid_idx = [i for i, t in enumerate(toks) if t.kind not in ("newline", "space")]
    for a, b in zip(solid_idx, solid_idx[1:]):
        if all(toks[k].kind == "space" for k in range(a + 1, b)) and toks[a].text != toks[b].text:
            pairs.append((toks[a], toks[b]))
    if not pairs:
        return text
    first, second = rng.choice(pairs)
    middle = text[first.end:second.start]
    return text[:first.start] + second.text + middle + first.text + text[second.end:]


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def change_letter(text, rng):
    names = [t for t in _solid(text) if t.kind == "name"]
    if not names:
        return text
    token = rng.choice(names)
    word = token.text
    for _ in range(20):
        how = rng.choice(["replace", "insert", "delete", "case"])
        i = rng.randrange(len(word))
        if how == "replace":
            new = word[:i] + rng.choice(_LETTERS + ("0123456789" if i else "")) + word[i + 1:]
        elif how == "insert":
            i = rng.randrange(len(word) + 1)
            new = word[:i] + rng.choice(_LETTERS + ("0123456789" if i else "")) + word[i:]
        elif how == "delete" and len(word) > 1:
            new = word[:i] + word[i + 1:]
        else:
            new = word[:i] + word[i].swapcase() + word[i + 1:]
        if new != word:
            return _replace(text, token, new)
    return text


_OP_GROUPS = [["+", "-", "*", "/", "@", "**", "//", "%"],
              ["<", ">", "==", "!=", "<=", ">="],
              ["=", "~", "+=", "==", ":"],
              ["(", ")", "[", "]", ","],
              ["and", "or", "not"]]
_ALL_OPS = sorted({op for group in _OP_GROUPS for op in group})


def swap_operator(text, rng):
    candidates = [t for t in _solid(text) if t.text in _ALL_OPS]
    if not candidates:
        return text
    token = rng.choice(candidates)
    if rng.random() < 0.7:
        pool = [op for group in _OP_GROUPS if token.text in group for op in group]
    else:
        pool = _ALL_OPS
    pool = [op for op in pool if op != token.text]
    new = rng.choice(pool)
    if new.isalpha():
        new = f" {new} "
    return _replace(text, token, new)


def break_indentation(text, rng):
    lines = text.splitlines(keepends=True)
    choices = [i for i, line in enumerate(lines) if line.strip()]
    if not choices:
        return text
    i = rng.choice(choices)
    line = lines[i]
    body = line.lstrip(" \t")
    indent = line[:len(line) - len(body)]
    options = ["add", "tab"]
    if indent:
        options += ["remove", "shave", "to_tab", "mixed"]
    how = rng.choice(options)
    if how == "add":
        new = " " * rng.choice([1, 2, 3, 4, 8]) + line
    elif how == "tab":
        new = "\t" + line
    elif how == "remove":
        new = body
    elif how == "shave":
        new = indent[1:] + body
    elif how == "to_tab":
        new = indent.replace("    ", "\t") + body
        if new == line:
            new = "\t" + body
    else:
        new = indent[:-1] + "\t" + body
    lines[i] = new
    return "".join(lines)


EXTREME_NUMBERS = ["1e400", "-1e400", "0", "-0.0", "0.0", "1e-320", "5e-324", "1e-400", "2**63", "2147483648",
                   "-2147483649", "3000", "10**30", "1000000000000000000000000000000", "9223372036854775807",
                   "9223372036854775808", "1e308", "1e309", "1.7976931348623157e308", "-1", "-1.5", "nan", "inf",
                   "-inf", "(0/0)", "(1/0)", "(0.0/0.0)", "1e-5", "0x10", "1_000", "1.", ".5e", "00", "07",
                   "2**1000", "(-1)**0.5", "10**-400", "1e+", "123456789012345678901234567890.5"]


def extreme_number(text, rng):
    numbers = [t for t in _solid(text) if t.kind == "number"]
    if not numbers:
        return text
    token = rng.choice(numbers)
    pool = [n for n in EXTREME_NUMBERS if n != token.text]
    return _replace(text, token, rng.choice(pool))


def _distribution_names() -> list[str]:
    return sorted(_catalogue())


def _catalogue() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from ppl.catalogue.distributions import DISTRIBUTIONS

    return DISTRIBUTIONS


def swap_distribution(text, rng):
    """Another distribution of the catalogue: mostly one of the same arity and event rank
    (so the mutant gets past the argument checks), sometimes any."""
    catalogue = _catalogue()
    found = [t for t in _solid(text) if t.kind == "name" and t.text in catalogue]
    if not found:
        return text
    token = rng.choice(found)
    this = catalogue[token.text]
    pool = [n for n in sorted(catalogue) if catalogue[n] is not this]
    alike = [n for n in pool if len(catalogue[n].parameters) == len(this.parameters)
             and len(catalogue[n].event) == len(this.event)]
    if alike and rng.random() < 0.6:
        pool = alike
    return _replace(text, token, rng.choice(pool))


_BOUNDS = ["<lower=1, upper=0>", "<upper=0>", "<lower=0>", "<lower=0, upper=1>", "<lower=-1e400>", "<upper=1e309>",
           "<lower=0, upper=0>", "<lower=-1, upper=1>", "", "<lower=0, lower=1>", "<upper=1, lower=0>",
           "<lower=1e308, upper=1e309>", "<lower=nan>", "<lower=0>[2]", "<>", "<lower>", "<lower=0, upper=inf>"]
_SIZES = ["[K - 1]", "[2]", "[K, K]", "[0]", "[1]", "[]", "[N, 2]", "[N]", "[2, 3, 4]", "[-1]", "[N - 1]",
          "[K + 1]", "[3000]", "[1e400]", "[2.5]", "[N, K, 2]", "[J]", "[T]", "[2 ** 63]"]


def swap_constraint(text, rng):
    solid = _solid(text)
    moves = []
    lower_upper = [t for t in solid if t.text in ("lower", "upper")]
    if lower_upper:
        moves.append("lower_upper")
    if re.search(r"\b(?:real|int)<[^<>\n]*>", text):
        moves.append("bounds")
    if re.search(r"\b(?:real|int)\b(?!<)", text):
        moves.append("add_bounds")
    real_int = [t for t in solid if t.text in ("real", "int")]
    if real_int:
        moves += ["real_int", "to_shape"]
    shapes = [t for t in solid if t.text in SHAPES]
    if shapes:
        moves.append("shape")
    if re.search(r"\b(?:real|int|" + "|".join(SHAPES) + r")(?:<[^<>\n]*>)?\[[^\[\]\n]*\]", text):
        moves.append("size")
    if not moves:
        return text
    how = rng.choice(moves)
    if how == "lower_upper":
        token = rng.choice(lower_upper)
        return _replace(text, token, "upper" if token.text == "lower" else "lower")
    if how == "bounds":
        spans = list(re.finditer(r"\b(?:real|int)(<[^<>\n]*>)", text))
        m = rng.choice(spans)
        pool = [b for b in _BOUNDS if b != m.group(1)]
        return text[:m.start(1)] + rng.choice(pool) + text[m.end(1):]
    if how == "add_bounds":
        spans = list(re.finditer(r"\b(?:real|int)\b(?!<)", text))
        m = rng.choice(spans)
        return text[:m.end()] + rng.choice([b for b in _BOUNDS if b]) + text[m.end():]
    if how == "real_int":
        token = rng.choice(real_int)
        return _replace(text, token, "int" if token.text == "real" else "real")
    if how == "to_shape":
        token = rng.choice(real_int)
        return _replace(text, token, rng.choice(SHAPES))
    if how == "shape":
        token = rng.choice(shapes)
        return _replace(text, token, rng.choice([s for s in SHAPES + ["real", "int"] if s != token.text]))
    spans = list(re.finditer(r"\b(?:real|int|" + "|".join(SHAPES) + r")(?:<[^<>\n]*>)?(\[[^\[\]\n]*\])", text))
    m = rng.choice(spans)
    return text[:m.start(1)] + rng.choice([s for s in _SIZES if s != m.group(1)]) + text[m.end(1):]


STRAY = ["$", ";", "{", "}", "?", "!", "`", "'", '"', "\\", "é", "λ", "∑", "\u200b", "\u00a0", "\x00", "\r", "\t",
         "\x0c", "😀", "\ufeff", "[", "]", "(", ")", ",", ".", ":", "#", "&", "|", "^", "~", "@", "\\\n"]


def stray_character(text, rng):
    i = rng.randrange(len(text) + 1)
    return text[:i] + rng.choice(STRAY) + text[i:]


def duplicate_line(text, rng):
    lines = text.splitlines(keepends=True)
    choices = [i for i, line in enumerate(lines) if line.strip()]
    if not choices:
        return text
    i = rng.choice(choices)
    line = lines[i] if lines[i].endswith("\n") else lines[i] + "\n"
    j = i + 1 if rng.random() < 0.6 else rng.randrange(len(lines) + 1)
    lines.insert(j, line)
    return "".join(lines)


def delete_line(text, rng):
    lines = text.splitlines(keepends=True)
    choices = [i for i, line in enumerate(lines) if line.strip()]
    if not choices:
        return text
    del lines[rng.choice(choices)]
    return "".join(lines)


COLLIDING_NAMES = ["np", "math", "numba", "u", "lp", "grad_out", "samplers", "real_data", "int_data", "target",
                   "range", "exp", "sum", "log", "Normal", "i", "t", "k", "_", "__", "_0", "lambda", "None", "True",
                   "print", "len", "float", "self", "x0", "out", "value", "gradient", "result", "lower", "data"]


def rename_identifier(text, rng):
    """Rename every occurrence of one declared name: onto a name the emitter may also use,
    onto another declared name (two declarations collide), or onto `NAME_adj`-like names."""
    declared = _declared_names(text)
    data = set(re.findall(r"^\s*data\s+([A-Za-z_]\w*)", text, re.M))
    renamable = [n for n in declared if n not in data]   # renamed data would just miss its value
    if not renamable:
        return text
    old = rng.choice(renamable)
    others = [n for n in declared if n != old]
    pool = COLLIDING_NAMES + [f"{old}_adj", f"{old}_", f"_{old}", f"{old}2", old.upper()] + others
    new = rng.choice([n for n in pool if n != old])
    changed = re.sub(rf"(?<![\w.]){re.escape(old)}(?!\w)", new, text)
    return changed


def swap_identifier(text, rng):
    """Replace one use of a name by another name of the model (a param where data was, ...)."""
    declared = _declared_names(text)
    uses = [t for t in _solid(text) if t.kind == "name" and t.text in declared]
    if len(declared) < 2 or not uses:
        return text
    token = rng.choice(uses)
    return _replace(text, token, rng.choice([n for n in declared if n != token.text]))


_WRAPPERS = ["exp({})", "log({})", "{}[0]", "{}[1:]", "{}[::-1]", "{}[-1]", "sum({})", "mean({}, axis=0)",
             "sum({}, axis=-1)", "({} + 1)", "-{}", "{}.T", "[{}, {}]", "{} ** 2", "{} ** 0.5", "softmax({})",
             "cumsum({})", "{}[[0, 1]]", "sqrt(abs({}))", "({} * 0)", "({} / 0)", "log_softmax({})", "{} @ {}",
             "dot({}, {})", "logsumexp({})", "sd({})", "size({})", "diag({})", "{}[:, 0]", "({} > 0)",
             "sigmoid({})", "lgamma({})", "Phi({})", "Normal(0, 1).log_prob({})", "max({})", "zeros(size({}))"]


def wrap_expression(text, rng):
    """Wrap one use of a name in a built-in, an index, a slice, a list or an operator."""
    declared = set(_declared_names(text))
    toks = tokens(text)
    uses = []
    for k, t in enumerate(toks):
        if t.kind != "name" or t.text not in declared:
            continue
        before = [u for u in toks[:k] if u.kind not in ("space",)]
        after = [u for u in toks[k + 1:] if u.kind not in ("space",)]
        if before and before[-1].text in ("data", "param", "gen", "for"):
            continue                                     # a declaration, not a use
        if (not before or before[-1].kind == "newline") and after and after[0].text in (":", "="):
            continue
        uses.append(t)
    if not uses:
        return text
    token = rng.choice(uses)
    return _replace(text, token, rng.choice(_WRAPPERS).format(token.text, token.text))


def wrap_in_block(text, rng):
    """Put one model statement inside `if` / `if-else` / `for` on an int data name."""
    ints = re.findall(r"^data\s+([A-Za-z_]\w*)\s*:\s*int\b(?![^\n]*\[)", text, re.M)
    lines = text.splitlines(keepends=True)
    statements = [i for i, line in enumerate(lines)
                  if line.strip() and not line[0].isspace() and not re.match(r"(data|param|for|if|else|elif)\b", line)
                  and not line.rstrip().endswith(":")]
    if not ints or not statements:
        return text
    i = rng.choice(statements)
    size = rng.choice(ints)
    line = lines[i] if lines[i].endswith("\n") else lines[i] + "\n"
    how = rng.choice(["if", "if_else", "for", "for_if", "if_elif"])
    if how == "if":
        block = [f"if {size} > 1:\n", "    " + line]
    elif how == "if_else":
        block = [f"if {size} > 1:\n", "    " + line, "else:\n", "    " + line]
    elif how == "if_elif":
        block = [f"if {size} > 100:\n", "    " + line, f"elif {size} == 0:\n", "    " + line, "else:\n", "    " + line]
    elif how == "for":
        block = [f"for _k in range({size}):\n", "    " + line]
    else:
        block = [f"for _k in range({size}):\n", "    if _k == 0:\n", "        " + line]
    return "".join(lines[:i] + block + lines[i + 1:])


OPERATORS = {f.__name__: f for f in [delete_token, swap_adjacent_tokens, change_letter, swap_operator,
                                      break_indentation, extreme_number, swap_distribution, swap_constraint,
                                      stray_character, duplicate_line, delete_line, rename_identifier,
                                      swap_identifier, wrap_expression, wrap_in_block]}
# how often each is drawn; the semantic ones (types, numbers, names) reach the compiler more often
WEIGHTS = {"delete_token": 2, "swap_adjacent_tokens": 1, "change_letter": 2, "swap_operator": 3,
           "break_indentation": 1, "extreme_number": 4, "swap_distribution": 4, "swap_constraint": 4,
           "stray_character": 1, "duplicate_line": 2, "delete_line": 2, "rename_identifier": 3,
           "swap_identifier": 3, "wrap_expression": 4, "wrap_in_block": 3}


# ---------------------------------------------------------------------------------------------
# mutants


@dataclass
class Mutant:
    seed: int
    model: str
    operators: list[str]
    text: str
    original: str
    data_path: str

    def diff(self) -> str:
        lines = difflib.unified_diff(self.original.splitlines(keepends=True), self.text.splitlines(keepends=True),
                                     f"{self.model}.ppl", f"{self.model}.ppl (mutant {self.seed})", n=1)
        return "".join(line if line.endswith("\n") else line + "\n\\ no newline\n" for line in lines)


def mutant(seed: int, models: dict | None = None) -> Mutant:
    """The mutant of a seed: its model, 1-3 operators and the mutated text."""
    models = models or gallery()
    rng = random.Random(seed)
    name = rng.choice(sorted(models))
    original, data_path = models[name]
    count = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
    names = sorted(OPERATORS)
    weights = [WEIGHTS[n] for n in names]
    text, applied = original, []
    for _ in range(count):
        for _attempt in range(10):
            op = rng.choices(names, weights=weights)[0]
            new = OPERATORS[op](text, rng)
            if new != text:
                text = new
                applied.append(op)
                break
    return Mutant(seed, name, applied, text, original, str(data_path))


def mutants(count: int, base_seed: int = 0) -> list[Mutant]:
    """`count` distinct mutants (none equal to its original), seeds base_seed*10**6 + i."""
    models = gallery()
    seen = {text for text, _ in models.values()}
    out, i = [], 0
    while len(out) < count:
        m = mutant(base_seed * 10 ** 6 + i, models)
        i += 1
        if m.text not in seen:
            seen.add(m.text)
            out.append(m)
    return out


# ---------------------------------------------------------------------------------------------
# running one mutant (in a worker, or in-process for a reproduction)

ACCEPTED = {"rejected", "data-error", "not-supported", "compiled"}


def _frame_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        pass
    if path.endswith("model.py") and "site-packages" not in path:
        return "<generated>/model.py"
    return "/".join(Path(path).parts[-3:])


def _frames(error: BaseException, count: int = 8) -> list[str]:
    """The last frames of the traceback, and the innermost one in ppl/ or codegen/ (marked '*')."""
    frames = [f"{_frame_path(f.filename)}:{f.lineno} in {f.name}" for f in traceback.extract_tb(error.__traceback__)]
    ours = [f for f in frames if f.startswith(("ppl/", "codegen/", "<generated>"))]
    out = frames[-count:]
    if ours and ours[-1] not in out:
        out = ["* " + ours[-1], "..."] + out
    return out


def _located(error, text: str) -> bool:
    span = getattr(error, "span", None)
    if span is None or not isinstance(getattr(span, "line", None), int):
        return False
    return 1 <= span.line <= len(text.splitlines()) + 1


def _describe(category: str, error: BaseException, stage: str, text: str) -> dict:
    try:
        message = str(error)
    except Exception as render_error:  # noqa: BLE001 - the renderer must never raise
        return {"category": "render-crash", "stage": stage, "type": type(error).__name__,
                "message": f"str() raised {type(render_error).__name__}: {render_error}"[:1500],
                "frames": _frames(render_error)}
    out = {"category": category, "stage": stage, "type": type(error).__name__, "message": message[:1500],
           "frames": _frames(error)}
    span = getattr(error, "span", None)
    if span is not None:
        out["line"] = getattr(span, "line", None)
    return out


def run_one(text: str, data, filename: str = "<mutant>", point_seed: int = 0) -> dict:
    """The outcome of one model text against data: a dict with `category` and details."""
    import numpy as np

    import ppl
    from ppl.errors import DataError, InternalError, ModelError, ModelNotSupportedError

    stage = "check"
    try:
        model = ppl.model(text, filename)
        stage = "condition"
        post = model.condition(data)
        stage = "gradient"
        points = [np.zeros(post.dim), np.random.default_rng(point_seed).uniform(-2, 2, post.dim)]
        values = []
        for u in points:
            value, gradient = post.log_density_gradient(u)
            if not isinstance(value, float) or np.shape(gradient) != (post.dim,):
                return {"category": "bad-gradient", "stage": stage, "type": type(value).__name__,
                        "message": f"value {value!r}, gradient shape {np.shape(gradient)}, dim {post.dim}",
                        "frames": []}
            values.append(value)
        return {"category": "compiled", "stage": stage, "dim": int(post.dim), "values": [repr(v) for v in values],
                "finite": bool(all(np.isfinite(v) for v in values))}
    except InternalError as error:
        return _describe("internal-error", error, stage, text)
    except ModelError as error:
        if not _located(error, text):
            return _describe("unlocated-error", error, stage, text)
        if stage == "check":
            return _describe("rejected", error, stage, text)
        if isinstance(error, ModelNotSupportedError):
            return _describe("not-supported", error, stage, text)
        if isinstance(error, DataError):
            return _describe("data-error", error, stage, text)
        return _describe("condition-error", error, stage, text)
    except (Exception, RecursionError) as error:  # noqa: BLE001 - every raw exception is a finding
        return _describe("exception", error, stage, text)


# ---------------------------------------------------------------------------------------------
# worker subprocesses


def _worker_main() -> None:
    """Read one JSON request per line on stdin, answer one JSON line on the protocol fd."""
    import faulthandler
    import warnings

    faulthandler.enable()
    warnings.simplefilter("ignore")
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                       # anything printed goes to stderr, not the protocol
    sys.stdout = sys.stderr
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    datasets = {}
    for line in sys.stdin:
        request = json.loads(line)
        path = request["data_path"]
        if path not in datasets:
            datasets[path] = json.loads(Path(path).read_text())
        print(f"--- mutant {request['seed']}", file=sys.stderr, flush=True)
        try:
            result = run_one(request["text"], datasets[path], request["filename"], request["seed"])
        except BaseException as error:  # noqa: BLE001
            result = _describe("exception", error, "worker", request["text"])
        protocol.write(json.dumps(result) + "\n")


class _Worker:
    def __init__(self, env: dict):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-X", "faulthandler", __file__, "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     cwd=str(ROOT), env=env)
        self.buffer = b""
        self.served = 0

    def ask(self, request: dict, timeout: float) -> dict:
        log_start = os.fstat(self.log.fileno()).st_size
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        self.served += 1
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return {"category": "hang", "stage": "?", "type": "Timeout",
                        "message": f"no answer within {timeout:.0f} s", "frames": []}
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                code = self.proc.wait()
                self.log.seek(log_start)
                tail = self.log.read().decode(errors="replace")[-3000:]
                return {"category": "crash", "stage": "?", "type": f"exit {code}",
                        "message": f"the worker died (exit status {code}); its stderr ends:\n{tail}", "frames": []}
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.log.close()


@dataclass
class Result:
    mutant: Mutant
    outcome: dict
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.outcome["category"] not in ACCEPTED


def run_campaign(items: list[Mutant], workers: int = 2, timeout: float = 60.0, cache_dir: str | None = None,
                 recycle: int = 150, progress=None) -> list[Result]:
    """Run mutants on `workers` subprocesses; results in the order of `items`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # Numba checks no bounds: an index past the end reads or writes beside the array, which may pass
    # unseen or crash a later mutant.  With bounds checked it raises where it happens (a failure).
    # Numba's cache does not tell builds with and without the checks apart, so the workers keep
    # theirs (ppl's library kernels included) in a folder of their own, never beside the sources.
    env["NUMBA_BOUNDSCHECK"] = "1"
    numba_cache = tempfile.TemporaryDirectory(prefix="ppl-fuzz-numba-")
    env["NUMBA_CACHE_DIR"] = numba_cache.name
    env.setdefault("NUMBA_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if cache_dir:
        env["PPL_CACHE_DIR"] = str(cache_dir)
    todo: queue.Queue = queue.Queue()
    for index, item in enumerate(items):
        todo.put(index)
    results: list[Result | None] = [None] * len(items)

    def serve():
        worker = None
        try:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                item = items[index]
                if worker is None or not worker.alive() or worker.served >= recycle:
                    if worker is not None:
                        worker.close()
                    worker = _Worker(env)
                start = time.monotonic()
                outcome = worker.ask({"text": item.text, "data_path": item.data_path, "seed": item.seed,
                                      "filename": f"{item.model}.ppl"}, timeout)
                results[index] = Result(item, outcome, time.monotonic() - start)
                if progress:
                    progress(results[index])
        finally:
            if worker is not None:
                worker.close()

    threads = [threading.Thread(target=serve, daemon=True) for _ in range(max(1, workers))]
    with numba_cache:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return [r for r in results if r is not None]


# ---------------------------------------------------------------------------------------------
# reporting


def tally(results: list[Result]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome["category"]] = counts.get(r.outcome["category"], 0) + 1
    return dict(sorted(counts.items()))


def crash_key(outcome: dict) -> str:
    """A rough class of a failure: category, exception type and the innermost ppl/codegen frame."""
    if outcome["category"] in ACCEPTED:
        return outcome["category"]
    frames = [f.lstrip("* ") for f in outcome.get("frames", [])
              if f.lstrip("* ").startswith(("ppl/", "codegen/", "<generated>"))]
    where = frames[-1] if frames else (outcome.get("frames") or ["?"])[-1]
    where = re.sub(r":\d+ in ", " in ", where)
    first = (outcome.get("message") or "").splitlines()[0] if outcome.get("message") else ""
    if outcome["category"] in ("hang", "crash"):
        return f"{outcome['category']}"
    if outcome["category"] in ("unlocated-error", "condition-error"):
        return f"{outcome['category']}: {outcome['type']}: {re.sub(r'[0-9]+', 'N', first)[:80]}"
    message = (outcome.get("message") or "").splitlines()
    message = [line for line in message if line.strip() and not line.startswith("Failed in nopython mode")]
    salient = next((line for line in message if re.search(r"\w(Error|Exception):", line)),
                   message[0] if message else first).strip()
    salient = re.sub(r"'[^']*'", "'X'", re.sub(r"[0-9]+", "N", salient))[:90]
    return f"{outcome['category']}: {outcome['type']} at {where}: {salient}"


def format_failure(r: Result) -> str:
    o = r.outcome
    lines = [f"== {r.mutant.model} seed={r.mutant.seed} mutations={'+'.join(r.mutant.operators)} "
             f"-> {o['category']} ({o.get('stage')}) {o['type']}"]
    lines += ["   " + line for line in (o.get("message") or "").splitlines()[:6]]
    lines += ["   at " + frame for frame in o.get("frames", [])[-4:]]
    lines.append(f"   reproduce: python tests/fuzz_mutations.py --seed {r.mutant.seed}")
    lines += ["   " + line for line in r.mutant.diff().splitlines()]
    return "\n".join(lines)


def format_failures(results: list[Result], limit: int = 60) -> str:
    failed = [r for r in results if r.failed]
    groups: dict[str, list[Result]] = {}
    for r in failed:
        groups.setdefault(crash_key(r.outcome), []).append(r)
    head = [f"{len(failed)} of {len(results)} mutants failed; outcomes: {tally(results)}", "classes:"]
    head += [f"  {len(rs):4d}  {key}   seeds {[r.mutant.seed for r in rs][:8]}"
             for key, rs in sorted(groups.items(), key=lambda kv: -len(kv[1]))]
    body = [format_failure(r) for r in failed[:limit]]
    if len(failed) > limit:
        body.append(f"... and {len(failed) - limit} more")
    return "\n".join(head + [""] + body)


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help="show one mutant and run it in this process")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--base-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", help="write every result here")
    args = parser.parse_args(argv)
    if args.worker:
        _worker_main()
        return 0
    if args.seed is not None:
        m = mutant(args.seed)
        print(f"model {m.model}, mutations {m.operators}\n{m.diff()}\n--- mutant text:\n{m.text}")
        sys.path.insert(0, str(ROOT))
        import ppl

        post = ppl.model(m.text, f"{m.model}.ppl").condition(json.loads(Path(m.data_path).read_text()))
        import numpy as np

        print(post, post.log_density_gradient(np.zeros(post.dim)))
        return 0
    items = mutants(args.count, args.base_seed)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ppl-fuzz-cache-") as cache:
        done = [0]

        def progress(r):
            done[0] += 1
            if r.failed or done[0] % 100 == 0:
                print(f"[{done[0]}/{len(items)} {time.monotonic() - start:.0f}s] {r.mutant.seed} "
                      f"{r.outcome['category']} {crash_key(r.outcome) if r.failed else ''}", flush=True)

        results = run_campaign(items, args.workers, args.timeout, os.environ.get("PPL_CACHE_DIR") or cache,
                               progress=progress)
    elapsed = time.monotonic() - start
    print(format_failures(results, limit=0))
    print(f"{len(results)} mutants in {elapsed:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{"seed": r.mutant.seed, "model": r.mutant.model, "operators": r.mutant.operators, "text": r.mutant.text,
              "seconds": r.seconds, "outcome": r.outcome} for r in results], indent=1))
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
