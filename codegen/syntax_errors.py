"""Syntax error messages in a modeller's words.

Lark reports a syntax error as a parser state and an unexpected token.  The
table below labels bad snippets; Lark's ``match_examples`` finds the snippet
whose failure happens in the same parser state on the same token, and the
error gets that label's message and hint.  Errors matching no example are
described generically, with terminal names translated into words.
"""

from __future__ import annotations

import re

import lark

from ppl.errors import ModelSyntaxError, Span, source_lines

# label → (message, hint, bad snippets that fail the same way)
SYNTAX_ERROR_EXAMPLES: dict[str, tuple[str, str, list[str]]] = {
    "truncation-bounds": (
        "`T[...]` takes a lower and an upper bound, separated by a comma",
        "write `T[low, high]`, or leave a side empty for no bound: `T[low, ]`, `T[, high]`",
        ["y ~ Normal(0, 1) T[0]\n", "y ~ Normal(0, 1) T[]\n", "y ~ Normal(0, 1) T[0, 1, 2]\n",
         "y ~ Normal(0, 1) T[a:b]\n"],
    ),
    "missing-block-colon": (
        "missing ':' at the end of this block header",
        "`for` and `if` lines end with a colon, and their block is indented below them",
        ["for i in range(3)\n    x = 1\n", "if N > 0\n    x = 1\n", "for i in range(N)\n",
         "if a < b\n", "else\n    x = 1\n"],
    ),
    "expected-indented-block": (
        "expected an indented block after this line",
        "indent the statements of a `for` or `if` block by the same number of spaces",
        ["for i in range(3):\nx = 1\n", "if N > 0:\ny = 2\n", "for i in range(3):\n"],
    ),
    "unexpected-indent": (
        "unexpected indentation",
        "only the statements inside a `for`, `if` or `else` block are indented",
        ["x = 1\n    y = 2\n", "data N: int\n  data M: int\n"],
    ),
    "assign-in-condition": (
        "'=' in a condition",
        "use '==' to compare two values",
        ["if N = 1:\n    x = 1\n", "if a + 1 = b:\n    x = 1\n"],
    ),
    "missing-type": (
        "expected a type after ':'",
        "declarations look like `data N: int`, `param sigma: real<lower=0>` or `param w: real[3]`",
        ["data N:\n", "param sigma:\n", "mu: \n", "data x: [N]\n", "param w: <lower=0>\n"],
    ),
    "missing-name-in-declaration": (
        "expected a name after `data`/`param`",
        "declarations look like `data N: int` or `param sigma: real<lower=0>`",
        ["data : int\n", "param : real\n", "data 1: int\n"],
    ),
    "missing-colon-in-declaration": (
        "expected ':' between the name and its type",
        "declarations look like `data N: int` or `param sigma: real<lower=0>`",
        ["data N int\n", "param sigma real\n", "data x real[N]\n"],
    ),
    "stan-style-declaration": (
        "this looks like a Stan declaration",
        "in ppl a declaration names the variable first: `data y: real[N]`, `param sigma: real<lower=0>`",
        ["vector[N] y\n", "real sigma\n", "int N\n", "matrix[N, K] X\n", "data vector[N] y\n",
         "param real<lower=0> sigma\n", "data real N\n", "param real sigma\n", "data int N\n",
         "param vector[K] beta\n", "data int<lower=0> N\n"],
    ),
    "missing-operand": (
        "this expression is incomplete",
        "an operator needs a value on each side",
        ["x = 1 +\n", "x = a *\n", "x = (a - )\n", "x = a @\n", "x = -\n", "y ~ Normal(mu +, 1)\n",
         "y ~ Normal(a * , 1)\n", "x = f(a -, b)\n", "x = [a *, b]\n",
         "x = a **\n", "x = a ==\n", "x = not\n", "x = a and\n"],
    ),
    "missing-operator": (
        "two values next to each other with no operator between them",
        "write the operator (`a * b`, not `a b`), or a comma if these are arguments",
        ["x = a b\n", "x = 2 a\n", "y ~ Normal(mu sigma)\n", "x = f(a) b\n",
         "x = [1 2]\n", "x = a[1 2]\n"],
    ),
    "missing-distribution": (
        "expected a distribution after '~'",
        "write `y ~ Normal(mu, sigma)`",
        ["y ~\n", "y ~ \n"],
    ),
    "missing-assigned-value": (
        "expected a value after '='",
        "write `name = expression`",
        ["x =\n", "mu[i] =\n"],
    ),
    "bad-target-increment": (
        "`target` can only be incremented",
        "write `target += expression`",
        ["target = 1\n", "target -= 1\n", "target + 1\n", "target\n", "target +=\n"],
    ),
    "unclosed-bracket": (
        "a bracket is not closed before the end of the model",
        "close every '(' with ')' and every '[' with ']'",
        ["y ~ Normal(0, 1\n", "x = w[0\n", "x = (a + b\n", "x = [1, 2\n"],
    ),
    "stray-closing-bracket": (
        "a closing bracket that matches nothing",
        "remove it, or open the bracket it belongs to",
        ["x = a)\n", "x = a]\n", "y ~ Normal(0, 1))\n"],
    ),
    "empty-call-argument": (
        "an argument is missing",
        "remove the extra comma, or put a value between the commas",
        ["y ~ Normal(0, , 1)\n", "x = f(,)\n", "x = f(,a)\n"],
    ),
    "bad-range": (
        "loops are written `for NAME in range(...)`",
        "e.g. `for i in range(N):` or `for t in range(K, T):`",
        ["for i in 1:N:\n    x = 1\n", "for i in N:\n    x = 1\n", "for i = 1:\n    x = 1\n",
         "for in range(3):\n    x = 1\n", "for i in range:\n    x = 1\n", "for (i in 1:N) {\n"],
    ),
    "bad-bounds": (
        "bounds are written `<lower=..., upper=...>`",
        "e.g. `real<lower=0>` or `real<lower=0, upper=1>`",
        ["param s: real<0>\n", "param s: real<lower 0>\n", "param s: real<lower=0\n",
         "param s: real<lower=0 upper=1>\n", "param s: real<>\n"],
    ),
    "empty-range": (
        "range() needs its bounds",
        "write `range(stop)`, `range(start, stop)` or `range(start, stop, step)`",
        ["for i in range():\n    x = 1\n"],
    ),
    "chained-comparison": (
        "comparisons cannot be chained",
        "write `a < b and b < c`",
        ["if a < b < c:\n    x = 1\n", "x = a < b < c\n", "x = a == b == c\n", "if a <= b > c:\n    x = 1\n"],
    ),
    "missing-return-type": (
        "a function needs a return type",
        "write `def f(x: real) -> real:`",
        ["def f(x: real):\n    return x\n"],
    ),
}

_CHARACTER_HINTS = {
    ";": "statements end at the end of the line; remove the ';'",
    "{": "blocks are marked by indentation, not braces",
    "}": "blocks are marked by indentation, not braces",
    "'": "the language has no strings",
    '"': "the language has no strings",
    "!": "write `not x` for negation, `!=` for inequality",
    "&": "write `and`",
    "|": "write `or`",
    "^": "write `**` for powers",
    "$": "names are letters, digits and underscores",
    "?": "there is no `c ? a : b`; write `a if c else b`",
}

# terminal name → how a modeller would say it
_TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "FLOAT": "a number",
    "_NEWLINE": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "$END": "the end of the model",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "an operator ('*', '/', '@')",
    "EQ": "'=='", "NE": "'!='", "LE": "'<='", "GE": "'>='", "LT": "'<'", "GT": "'>'",
}


# how an unexpected token reads after "unexpected"
_TOKEN_WORDS = {"_NEWLINE": "end of line", "_INDENT": "indentation", "_DEDENT": "end of block",
                "$END": "end of the model"}


# a line starting with one of these words is about it, whatever token the parser choked on
# (an unexpected keyword reaches the parser as a name, so state matching cannot tell them apart)
_LEADING_WORDS = {
    "elif": ("`elif` without an `if` before it", "`elif` must line up with the `if` it continues"),
    "else": ("`else` without an `if` before it", "`else:` must line up with the `if` it belongs to"),
}


def describe_syntax_error(error: lark.exceptions.UnexpectedInput, text: str, parse_snippet) -> ModelSyntaxError:
    """Turn Lark's exception into a located ModelSyntaxError."""
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        return _unexpected_character(error, text)
    token = getattr(error, "token", None)
    span = _token_span(error, token, text)
    leading = _leading_word(text, span.line)
    if leading is not None:
        word, column = leading
        message, hint = _LEADING_WORDS[word]
        return ModelSyntaxError(message, Span(span.line, column, span.line, column + len(word)), hint=hint)
    found = _describe_token(token)
    opened = _unclosed_before(text, span)
    if opened is not None and opened[0][0] < span.line:
        # newlines inside brackets are ignored, so a forgotten ')' surfaces lines later
        (line, column), bracket = opened
        return ModelSyntaxError(
            f"the '{bracket}' opened here is not closed", Span(line, column, line, column + 1),
            found=f"{found} at line {span.line}, column {span.column}",
            hint=f"close it with '{')' if bracket == '(' else ']'}' at the end of its expression")
    label = _match_label(error, parse_snippet)
    if label is not None:
        message, hint, _ = SYNTAX_ERROR_EXAMPLES[label]
        if label == "expected-indented-block":
            header = _block_header_before(text, span.line)
            if header is not None:
                message = f"expected an indented block after line {header}"
        if label == "unclosed-bracket":
            span = _last_unclosed_bracket(text) or span
        return ModelSyntaxError(message, span, found=found, hint=hint)
    expected_terminals = getattr(error, "expected", None) or set()
    expected = _describe_expected(expected_terminals)
    opened = _unclosed_before(text, span)
    if opened is not None:
        (line, column), bracket = opened
        closer = {"(": "RPAR", "[": "RSQB"}[bracket]
        if closer in expected_terminals:
            return ModelSyntaxError(
                f"unexpected {found}: the '{bracket}' opened at line {line}, column {column} is not closed",
                span, expected=expected, hint=f"close it with '{')' if bracket == '(' else ']'}' before this point")
    return ModelSyntaxError(f"unexpected {found}", span, expected=expected,
                            hint="check this line against the statement forms of the language reference")


def _match_label(error, parse_snippet) -> str | None:
    """The label of the example that fails in the same parser state on the same kind of token.

    Lark's own match_examples also compares the depth of the parser stack, so an
    example written as a first statement would never match the same mistake in a
    later one; the LALR state number and the token type are what matter here.
    """
    state = getattr(getattr(error, "state", None), "position", None)
    token = getattr(error, "token", None)
    if state is None or token is None:
        return None
    return _example_table(parse_snippet).get((state, token.type))


_EXAMPLE_TABLE: dict = {}


def _example_table(parse_snippet) -> dict[tuple[int, str], str]:
    if not _EXAMPLE_TABLE:
        for label, (_, _, snippets) in SYNTAX_ERROR_EXAMPLES.items():
            for snippet in snippets:
                try:
                    parse_snippet(snippet)
                except lark.exceptions.UnexpectedToken as failure:
                    key = (failure.state.position, failure.token.type)
                    _EXAMPLE_TABLE.setdefault(key, label)
                except Exception:  # an example failing otherwise (lexer, indentation) teaches nothing here
                    continue
    return _EXAMPLE_TABLE


def _unexpected_character(error, text: str) -> ModelSyntaxError:
    character = text[error.pos_in_stream] if error.pos_in_stream < len(text) else "?"
    span = Span(error.line, error.column, error.line, error.column + 1)
    hint = _CHARACTER_HINTS.get(character, "remove this character")
    if character == "|":
        line_start = text.rfind("\n", 0, error.pos_in_stream) + 1
        stan_call = re.search(r"(\w+_(?:lpdf|lupdf|lpmf|lupmf|lcdf|lccdf|cdf))\s*\([^()]*$",
                              text[line_start:error.pos_in_stream])
        if stan_call:
            hint = (f"Stan's `{stan_call.group(1)}(y | ...)` is a distribution's log density in ppl: "
                    "`Normal(mu, sigma).log_prob(y)` for `normal_lpdf(y | mu, sigma)`")
    return ModelSyntaxError(f"unexpected character {character!r}", span, hint=hint)


def _token_span(error, token, text) -> Span:
    if token is not None and getattr(token, "line", None) not in (None, -1):
        if token.type == "_NEWLINE":
            return Span(token.line, token.column, token.line, token.column + 1)
        if token.type in ("_INDENT", "_DEDENT"):
            line = token.end_line
            return Span(line, 1, line, max(2, token.end_column))
        return Span(token.line, token.column, token.end_line or token.line,
                    token.end_column or token.column + 1)
    lines = source_lines(text.rstrip("\n")) or [""]
    return Span(len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)


def _describe_token(token) -> str:
    if token is None:
        return "end of the model"
    if token.type in ("NAME", "INT", "FLOAT"):
        return f"{_TERMINAL_WORDS[token.type][2:]} '{token}'"
    if token.type in _TOKEN_WORDS:
        return _TOKEN_WORDS[token.type]
    return f"'{token}'"


def _describe_expected(expected: set[str]) -> str:
    from codegen.parse import _parser

    words = []
    for name in sorted(expected):
        if name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
            continue
        try:
            pattern = _parser().get_terminal(name).pattern
            words.append(f"'{pattern.value}'" if pattern.type == "str" else name.lower())
        except KeyError:
            words.append(name.lower())
    words = sorted(set(words))
    if len(words) > 8:
        return "an expression or a statement"
    return " or ".join(words) if words else "something else"


def _leading_word(text: str, line: int):
    """(word, column) when the error line starts with one of _LEADING_WORDS."""
    lines = source_lines(text)
    if not 0 < line <= len(lines):
        return None
    stripped = lines[line - 1].lstrip()
    word = stripped.split(" ", 1)[0].split(":", 1)[0]
    if word in _LEADING_WORDS:
        return word, len(lines[line - 1]) - len(stripped) + 1
    return None


def _block_header_before(text: str, line: int) -> int | None:
    """The number of the nearest line above `line` that opens a block (ends with ':')."""
    lines = source_lines(text)
    for number in range(min(line, len(lines) + 1) - 1, 0, -1):
        code = lines[number - 1].split("#", 1)[0].rstrip()
        if code:
            return number if code.endswith(":") else None
    return None


def _unclosed_before(text: str, span: Span):
    """The innermost bracket still open where the error is, as ((line, column), bracket)."""
    stack = _open_brackets(text, stop=(span.line, span.column))
    return stack[-1] if stack else None


def _last_unclosed_bracket(text: str) -> Span | None:
    stack = _open_brackets(text)
    if not stack:
        return None
    (line, column), _ = stack[-1]
    return Span(line, column, line, column + 1)


def _open_brackets(text: str, stop=None) -> list:
    stack = []
    line, column = 1, 1
    in_comment = False
    for character in text:
        if stop is not None and (line, column) >= stop:
            break
        if character == "\n":
            line, column, in_comment = line + 1, 1, False
            continue
        if character == "#":
            in_comment = True
        if not in_comment:
            if character in "([":
                stack.append(((line, column), character))
            elif character in ")]" and stack:
                stack.pop()
        column += 1
    return stack
