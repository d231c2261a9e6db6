"""What the checker infers: dtypes, symbolic shapes, roles, stages, constraints."""

import pytest

import ppl
from codegen import ir
from codegen.shapes import shape_str
from ppl.catalogue import constraints as C


def checked(text):
    return ppl.model(text).ir


def assigned(program, name):
    def visit(statements):
        for s in statements:
            if isinstance(s, ir.Assign) and s.name == name:
                return s
            for body in (getattr(s, "body", ()), getattr(s, "then_body", ()), getattr(s, "else_body", ())):
                found = visit(body)
                if found:
                    return found
        return None
    return visit(program.statements)


def shape_of(text, name="z"):
    return shape_str(assigned(checked(text), name).value.type.shape)


DATA = "data N: int\ndata K: int\ndata J: int\ndata X: real[N, K]\ndata v: real[K]\ndata g: int<lower=0>[N]\n"


@pytest.mark.parametrize("expr, shape", [
    ("X @ v", "[N]"),
    ("v @ X.T", "[N]"),
    ("v @ v", "[]"),
    ("X.T @ X", "[K, K]"),
    ("X[:, 0]", "[N]"),
    ("X[0]", "[K]"),
    ("X[1:, :-1]", "[N - 1, K - 1]"),
    ("X[g]", "[N, K]"),
    ("X[g, 0]", "[N]"),
    ("X[:, g]", "[N, N]"),
    ("X[g, g]", "[N]"),
    ("v[[0, 1, 1]]", "[3]"),
    ("sum(X, axis=0)", "[K]"),
    ("sum(X, axis=-1)", "[N]"),
    ("mean(X)", "[]"),
    ("softmax(X, axis=1)", "[N, K]"),
    ("[v, v, v]", "[3, K]"),
    ("X + v", "[N, K]"),
    ("X * 2 - 1", "[N, K]"),
    ("exp(X) / (1 + v)", "[N, K]"),
    ("dot(v, v)", "[]"),
    ("diag(v)", "[K, K]"),
    ("diag(diag(v))", "[K]"),
    ("zeros(N, K)", "[N, K]"),
    ("eye(K) + diag(v)", "[K, K]"),
    ("exp_quad_cov(v, 1.0, 2.0)", "[K, K]"),
    ("exp_quad_cov(X, 1.0, 2.0)", "[N, N]"),
    ("cholesky(X.T @ X)", "[K, K]"),
    ("v[::-1]", "[K]"),
    ("[[1, 2], [3, 4]][0]", "[2]"),
])
def test_expression_shapes(expr, shape):
    assert shape_of(DATA + f"z = {expr}\n") == shape


def test_slice_in_a_loop_has_the_window_length():
    text = "data K: int\ndata T: int\ndata y: real[T]\nfor t in range(K, T):\n    z = y[t - K:t]\n"
    assert shape_of(text) == "[K]"


@pytest.mark.parametrize("expr, dtype", [
    ("N + 1", "int"), ("N / 2", "real"), ("N // 2", "int"), ("g * 2", "int"), ("g * 2.0", "real"),
    ("sum(g)", "int"), ("mean(g)", "real"), ("N < 3", "bool"), ("abs(N)", "int"), ("exp(N)", "real"),
])
def test_dtypes(expr, dtype):
    assert assigned(checked(DATA + f"z = {expr}\n"), "z").value.type.dtype == dtype


def test_roles_stages_and_saving():
    program = checked(
        "data N: int\ndata x: real[N]\nparam mu: real\n"
        "xs = x * 2\n_hidden = mu * 2\nm = mu + xs\ngen r ~ Normal(m, 1)\ngen q = r * 2\n"
        "x ~ Normal(mu, 1)\n")
    assert assigned(program, "xs").role == ir.Role.TRANSFORMED_DATA and not assigned(program, "xs").saved
    assert assigned(program, "xs").stage == "data"
    hidden = assigned(program, "_hidden")
    assert hidden.role == ir.Role.DETERMINISTIC and not hidden.saved
    m = assigned(program, "m")
    assert m.role == ir.Role.DETERMINISTIC and m.saved and m.stage == "model"
    draw = next(s for s in program.statements if isinstance(s, ir.SampleStatement) and s.defines == "r")
    assert draw.stage == "gen" and shape_str(draw.value.type.shape) == "[N]"
    assert assigned(program, "q").role == ir.Role.GEN
    saved = [s.name for s in program.symbols if s.saved]
    assert saved == ["mu", "m", "r", "q"]


def test_filled_array_role_follows_what_fills_it():
    program = checked(
        "data T: int\ndata r: real[T]\nparam a: real<lower=0>\n"
        "lagged: real[T]\nfor t in range(T):\n    lagged[t] = r[t] * 2\n"
        "s: real[T]\ns[0] = 1.0\nfor t in range(1, T):\n    s[t] = a * s[t - 1] + lagged[t]\n")
    roles = {s.name: s for s in program.statements if isinstance(s, ir.ArrayDeclaration)}
    assert roles["lagged"].role == ir.Role.TRANSFORMED_DATA and roles["lagged"].stage == "data"
    assert roles["s"].role == ir.Role.DETERMINISTIC and roles["s"].saved
    loops = [s for s in program.statements if isinstance(s, ir.ForLoop)]
    assert [loop.stage for loop in loops] == ["data", "model"]


@pytest.mark.parametrize("declaration, constraint, batch, event, shape", [
    ("real", C.REAL, "[]", "[]", "[]"),
    ("real<lower=0>[J]", C.LOWER, "[J]", "[]", "[J]"),
    ("real<upper=0>", C.UPPER, "[]", "[]", "[]"),
    ("real<lower=-1, upper=1>[J, K]", C.INTERVAL, "[J, K]", "[]", "[J, K]"),
    ("simplex[K]", C.SIMPLEX, "[]", "[K]", "[K]"),
    ("simplex[J, K]", C.SIMPLEX, "[J]", "[K]", "[J, K]"),
    ("ordered[K]", C.ORDERED, "[]", "[K]", "[K]"),
    ("positive_ordered[K]", C.POSITIVE_ORDERED, "[]", "[K]", "[K]"),
    ("corr_cholesky[K]", C.CORR_CHOLESKY, "[]", "[K, K]", "[K, K]"),
    ("corr_cholesky[J, K]", C.CORR_CHOLESKY, "[J]", "[K, K]", "[J, K, K]"),
    ("cov[K]", C.COV, "[]", "[K, K]", "[K, K]"),
    ("corr[K]", C.CORR, "[]", "[K, K]", "[K, K]"),
    ("cov_cholesky[K]", C.COV_CHOLESKY, "[]", "[K, K]", "[K, K]"),
])
def test_param_constraints(declaration, constraint, batch, event, shape):
    program = checked(f"data J: int\ndata K: int\nparam p: {declaration}\n")
    (param,) = program.params
    assert param.constraint.constraint is constraint
    assert shape_str(param.constraint.batch_shape) == batch
    assert shape_str(param.constraint.event_shape) == event
    assert shape_str(param.type.shape) == shape


def test_bounds_may_use_earlier_params():
    program = checked("param a: real<lower=0, upper=1>\nparam b: real<lower=0, upper=1 - a>\n")
    b = program.params[1]
    assert b.constraint.constraint is C.INTERVAL
    assert b.constraint.bounds.upper.type.dtype == "real"


def distribution_of(text):
    program = checked(text)
    return [s for s in program.statements if isinstance(s, ir.SampleStatement)][-1].distribution


@pytest.mark.parametrize("statement, family, batch, event", [
    ("y ~ Normal(mu, 1)", "Normal", "[N]", "[]"),
    ("y ~ Normal(0, 1)", "Normal", "[]", "[]"),
    ("Y ~ MVNTriL(m, L)", "MultivariateNormalTriL", "[]", "[K]"),
    ("Y ~ MultivariateNormalDiag(m, ones(K))", "MultivariateNormalDiag", "[]", "[K]"),
    ("Y ~ MVN(m, L @ L.T)", "MultivariateNormalFullCovariance", "[]", "[K]"),
    ("L ~ LKJCholesky(K, 2.0)", "LKJCholesky", "[]", "[K, K]"),
    ("w ~ Dirichlet(ones(K))", "Dirichlet", "[]", "[K]"),
    ("c ~ Categorical(probs=w)", "Categorical", "[]", "[]"),
    ("y ~ MixtureSameFamily(Categorical(probs=w), Normal(m, 1))", "MixtureSameFamily", "[]", "[]"),
    ("y ~ GaussianProcess(ExponentiatedQuadratic(1.0, 2.0), x, observation_noise_variance=0.1)",
     "GaussianProcess", "[]", "[N]"),
])
def test_distribution_shapes(statement, family, batch, event):
    text = ("data N: int\ndata K: int\ndata y: real[N]\ndata x: real[N]\ndata Y: real[N, K]\n"
            "data c: int[N]\nparam mu: real[N]\nparam m: real[K]\nparam L: corr_cholesky[K]\n"
            f"param w: simplex[K]\n{statement}\n")
    distribution = distribution_of(text)
    assert distribution.family == family
    assert shape_str(distribution.type.batch_shape) == batch
    assert shape_str(distribution.type.event_shape) == event


def test_tfp_positional_order_and_alternatives():
    positional = distribution_of("data y: int\nparam a: real\ny ~ Bernoulli(a)\n")
    assert [name for name, _ in positional.arguments] == ["logits"]
    keyword = distribution_of("data y: int\nparam p: real<lower=0, upper=1>\ny ~ Binomial(10, probs=p)\n")
    assert [name for name, _ in keyword.arguments] == ["total_count", "probs"]
    defaulted = distribution_of("param u: real<lower=0, upper=1>\nu ~ Uniform()\n")
    assert dict(defaulted.arguments)["high"].value == 1.0


def test_int_data_may_be_scored_by_a_continuous_distribution():
    checked("data N: int\ndata y: int[N]\nparam mu: real\ny ~ Normal(mu, 1)\n")


def test_log_prob_is_batch_shaped():
    program = checked("data N: int\ndata y: real[N]\nparam mu: real[2]\n"
                      "z = Normal(mu[0], 1).log_prob(y)\ntarget += z\n")
    assert shape_str(assigned(program, "z").value.type.shape) == "[N]"


def test_loop_locals_are_scoped_to_the_loop():
    program = checked("data N: int\ndata y: real[N]\nparam a: real\n"
                      "for i in range(N):\n    m = a * i\n    y[i] ~ Normal(m, 1)\n"
                      "for i in range(N):\n    m = a + i\n    target += m\n")
    loop = program.statements[-1]
    assert loop.body[0].role == ir.Role.LOCAL and not loop.body[0].saved
    assert [s.name for s in program.symbols] == ["N", "y", "a"]


@pytest.mark.parametrize("text, phrase, line, column", [
    ("data N: int\nz: real[N]\nw = z * 2\nfor i in range(N):\n    z[i] = 1.0\n",
     "'z' is read before any of its elements is assigned", 3, 5),
    ("data N: int\nz: real[N]\n", "'z' is declared but none of its elements is assigned", 2, 1),
    ("data N: int\nfor i in range(N):\n    z: real[N]\n    target += 1\n",
     "'z' is declared but none of its elements is assigned", 3, 5),
])
def test_filled_arrays_must_be_filled_before_use(text, phrase, line, column):
    with pytest.raises(ppl.ModelStructureError) as caught:
        checked(text)
    assert phrase in str(caught.value)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_gen_arrays_filled_by_draws():
    program = checked("data N: int\nparam mu: real\ngen y_rep: real[N]\nfor i in range(N):\n"
                      "    gen y_rep[i] ~ Normal(mu, 1)\ngen total = sum(y_rep)\n")
    loop = program.statements[-2]
    assert loop.stage == "gen" and loop.body[0].stage == "gen"
    assert assigned(program, "total").role == ir.Role.GEN
