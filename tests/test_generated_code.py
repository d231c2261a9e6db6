"""The generated module reads like careful hand-written code (issue #8, item 8): each function
holds only what it uses, temporaries are named after their statement, and what depends on the
data alone is computed once, in transformed_data(), not at every gradient."""

import re

import numpy as np
import pytest
import scipy.stats

import ppl
from gradient_checks import finite_difference_error


def _function_source(code: str, name: str) -> str:
    start = code.index(f"def {name}(")
    end = code.find("\n@numba", start)
    return code[start:] if end < 0 else code[start:end]


def test_generated_functions_hold_only_what_they_use():
    code = ppl.compile("examples/radon_hierarchical.ppl").code()
    log_density = _function_source(code, "log_density")
    assert "N = data." not in log_density             # N is declared but the log density never reads it
    assert "J = data." in log_density
    constrain = _function_source(code, "constrain")
    assert "lp" not in constrain                      # no log-Jacobian computed and thrown away
    assert "log_radon" not in constrain
    # _y_hat is read only by `~`: the saved outputs (none here) do not need it
    assert "_y_hat" not in _function_source(code, "deterministics")
    assert "_y_hat" not in _function_source(code, "generate")


def test_outputs_keep_what_they_read():
    text = ("data N: int\ndata x: real[N]\nparam a: real\n_scaled = a * x\nshown = _scaled + 1\n"
            "_unused = a * 2\na ~ Normal(0, 1)\ngen y_rep ~ Normal(_scaled, 1)\n")
    model = ppl.model(text, "outputs.ppl")
    code = model.code()
    deterministics = _function_source(code, "deterministics")
    assert "_scaled" in deterministics and "_unused" not in deterministics
    assert "_unused" not in _function_source(code, "generate")
    posterior = model.condition({"N": 3, "x": [1.0, 2.0, 3.0]})
    u = np.array([0.5])
    assert posterior.deterministics(u)["shown"] == pytest.approx([1.5, 2.0, 2.5])
    assert posterior.generate(u, seed=1)["y_rep"].shape == (3,)


def test_generated_temporaries_are_named_after_their_statement():
    code = ppl.compile("examples/radon_hierarchical.ppl").code()
    # line 24: log_radon ~ Normal(_y_hat, sigma_y)
    assert "_log_radon_l24_term_sum" in code
    assert "_log_radon_l24_t" in code                  # the gather a[county] it reads
    assert "_a_l21_term" in code
    assert "t_0" not in code and "_c1_" not in code


def test_data_only_terms_are_computed_once_in_transformed_data():
    model = ppl.compile("examples/eight_schools_noncentered.ppl")
    code = model.code()
    gradient = _function_source(code, "log_density_gradient")
    assert "math.log(sigma" not in gradient and "sigma[" not in gradient
    assert "math.log(sigma" in _function_source(code, "transformed_data")
    data = {"J": 3, "y": [28.0, 8.0, -3.0], "sigma": [15.0, 10.0, 16.0]}
    posterior = model.condition(data)
    u = np.array([1.0, 0.5, 0.3, -0.2, 1.1])
    mu, tau, theta_tilde = u[0], np.exp(u[1]), u[2:]
    expected = (scipy.stats.norm.logpdf(mu, 0, 5) + scipy.stats.halfcauchy.logpdf(tau, 0, 5) + u[1]
                + scipy.stats.norm.logpdf(theta_tilde).sum()
                + scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde, data["sigma"]).sum())
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6
    # other data: transformed data is computed anew when data is bound
    other = dict(data, sigma=[1.0, 2.0, 3.0])
    again = model.condition(other).log_density(u)
    assert again == pytest.approx(expected - scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde,
                                                                     data["sigma"]).sum()
                                  + scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde,
                                                            other["sigma"]).sum(), rel=1e-12)


def test_count_normalisers_leave_the_gradient():
    text = ("data N: int\ndata x: real[N]\ndata y: int<lower=0>[N]\nparam a: real\nparam b: real\n"
            "a ~ Normal(0, 1)\nb ~ Normal(0, 1)\ny ~ Poisson(log_rate=a + b * x)\n")
    model = ppl.model(text, "poisson.ppl")
    gradient = _function_source(model.code(), "log_density_gradient")
    assert "lgamma" not in gradient
    x, y = np.array([0.1, -0.4, 1.3, 0.7]), np.array([0, 3, 7, 2])
    posterior = model.condition({"N": 4, "x": x, "y": y})
    u = np.array([0.2, 0.9])
    expected = (scipy.stats.norm.logpdf(u).sum() + scipy.stats.poisson.logpmf(y, np.exp(u[0] + u[1] * x)).sum())
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6


def test_squared_distances_of_data_points_are_computed_once():
    code = ppl.compile("examples/gp_regression.ppl").code()
    assert "event_kernels.squared_distances" not in _function_source(code, "log_density_gradient")
    assert "event_kernels.squared_distances" in _function_source(code, "transformed_data")
    assert _function_source(code, "transformed_data").count("event_kernels.squared_distances") == 1


def test_data_only_parts_inside_loops_stay_where_they_are():
    # a loop's body reads y[n] element by element: nothing there is hoisted, and the value is right
    text = ("data N: int\ndata y: real[N]\ndata s: real<lower=0>[N]\nparam m: real\nm ~ Normal(0, 1)\n"
            "for n in range(N):\n    y[n] ~ Normal(m, s[n])\n")
    posterior = ppl.model(text, "loop.ppl").condition({"N": 3, "y": [0.1, 0.5, -1.0], "s": [1.0, 2.0, 0.5]})
    u = np.array([0.3])
    expected = scipy.stats.norm.logpdf(0.3) + scipy.stats.norm.logpdf([0.1, 0.5, -1.0], 0.3, [1.0, 2.0, 0.5]).sum()
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6


def test_a_term_of_data_alone_compiles_and_is_right():
    # every element of the term is data (no param in it): nothing is left to loop over but the constant
    text = "data N: int\ndata y: real[N]\ndata s: real<lower=0>[N]\nparam m: real\nm ~ Normal(0, 1)\ny ~ Normal(y, s)\n"
    posterior = ppl.model(text, "data_alone.ppl").condition({"N": 2, "y": [0.1, 0.5], "s": [1.0, 2.0]})
    value = posterior.log_density(np.array([0.3]))
    assert value == pytest.approx(scipy.stats.norm.logpdf(0.3) + scipy.stats.norm.logpdf([0.0, 0.0], 0, [1.0, 2.0]).sum(),
                                  rel=1e-12)


def test_data_indices_are_checked_once_when_data_is_bound():
    text = ("data N: int\ndata J: int\ndata g: int[N]\ndata y: real[N]\nparam a: real[J]\n"
            "a ~ Normal(0, 1)\ny ~ Normal(a[g], 1)\n")
    model = ppl.model(text, "gather.ppl")
    code = model.code()
    assert "_index" not in _function_source(code, "log_density_gradient")
    assert "np.ndenumerate(g)" in _function_source(code, "transformed_data")
    data = {"N": 3, "J": 2, "g": [0, 1, 1], "y": [0.5, -0.2, 0.1]}
    u = np.array([0.3, -0.4])
    value = model.condition(data).log_density(u)
    assert value == pytest.approx(scipy.stats.norm.logpdf(u).sum()
                                  + scipy.stats.norm.logpdf(data["y"], u[[0, 1, 1]], 1).sum(), rel=1e-12)
    with pytest.raises(ppl.DataError, match=r"index 5 from the data g\[1\] is out of range for an axis of size 2") as caught:
        model.condition(dict(data, g=[0, 5, 1]))
    assert caught.value.line == 7


# ---- index checks: proved, hoisted to transformed data, or left where the index is (issue #9, item 3)

GROUPS = {"N": 3, "J": 2, "g": [0, 1, 1], "y": [0.5, -0.2, 0.1]}
GROUPED = ("data N: int\ndata J: int\ndata g: int[N]\ndata y: real[N]\nparam a: real[J]\na ~ Normal(0, 1)\n"
           "for i in range(N):\n    {body}\n")


def _grouped_reference(u, groups, used):
    """Normal(0, 1) priors on a, plus y[i] ~ Normal(a[g[i]], 1) for the i in `used`."""
    y = np.array(GROUPS["y"])[used]
    return scipy.stats.norm.logpdf(u).sum() + scipy.stats.norm.logpdf(y, u[np.array(groups)[used]], 1).sum()


@pytest.mark.parametrize("name", ["radon_hierarchical", "garch11", "ar_k"])
def test_gallery_loops_and_group_indices_cost_no_check_per_gradient(name):
    # radon's county is declared within [0, J - 1]; garch11's and ar_k's loop indices and lag
    # slices lie within their arrays for every T and K the declarations allow
    gradient = _function_source(ppl.compile(f"examples/{name}.ppl").code(), "log_density_gradient")
    assert "IndexError" not in gradient


def test_a_hierarchical_loop_checks_its_group_indices_once_when_data_is_bound():
    model = ppl.model(GROUPED.format(body="y[i] ~ Normal(a[g[i]], 1)"), "groups.ppl")
    code = model.code()
    assert "IndexError" not in _function_source(code, "log_density_gradient")
    assert "for _position in range(0, N, 1)" in _function_source(code, "transformed_data")
    u = np.array([0.3, -0.4])
    assert model.condition(GROUPS).log_density(u) == pytest.approx(_grouped_reference(u, [0, 1, 1], [0, 1, 2]),
                                                                   rel=1e-12)
    # the gradient holds no check: the error comes from transformed_data(), when data is bound
    with pytest.raises(ppl.DataError, match=r"index 5 from the data g\[1\] is out of range for an axis of size 2") \
            as caught:
        model.condition(dict(GROUPS, g=[0, 5, 1]))
    assert (caught.value.line, caught.value.column) == (8, 21)
    # negative indices count from the end, as in NumPy
    assert model.condition(dict(GROUPS, g=[0, -1, -2])).log_density(u) == pytest.approx(
        _grouped_reference(u, [0, 1, 0], [0, 1, 2]), rel=1e-12)


def test_a_hoisted_check_covers_exactly_the_elements_the_loop_reads():
    text = ("data N: int\ndata J: int\ndata g: int[N]\ndata y: real[N]\nparam a: real[J]\na ~ Normal(0, 1)\n"
            "for i in range(N - 1):\n    y[i] ~ Normal(a[g[i + 1]] - a[g[i]], 1)\n")
    model = ppl.model(text, "offsets.ppl")
    assert "IndexError" not in _function_source(model.code(), "log_density_gradient")
    with pytest.raises(ppl.DataError, match=r"index 7 from the data g\[2\] is out of range") as caught:
        model.condition(dict(GROUPS, g=[0, 1, 7]))
    assert (caught.value.line, caught.value.column) == (8, 21)
    with pytest.raises(ppl.DataError, match=r"index -3 from the data g\[0\] is out of range") as caught:
        model.condition(dict(GROUPS, g=[-3, 1, 1]))
    assert (caught.value.line, caught.value.column) == (8, 35)
    # every 2nd element: g[1] is never read, so a sentinel there is fine
    strided = GROUPED.format(body="y[i] ~ Normal(a[g[i]], 1)").replace("range(N)", "range(0, N, 2)")
    u = np.array([0.3, -0.4])
    value = ppl.model(strided, "strided.ppl").condition(dict(GROUPS, g=[0, 99, 1])).log_density(u)
    assert value == pytest.approx(_grouped_reference(u, [0, 99, 1], [0, 2]), rel=1e-12)


def test_a_guarded_group_index_keeps_its_check_and_sentinel_data_run():
    model = ppl.model(GROUPED.format(body="if g[i] >= 0:\n        y[i] ~ Normal(a[g[i]], 1)"), "guarded.ppl")
    assert "IndexError" in _function_source(model.code(), "log_density_gradient")
    posterior = model.condition(dict(GROUPS, g=[0, -99, 1]))   # -99: "no group", never used as an index
    u = np.array([0.3, -0.4])
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(_grouped_reference(u, [0, -99, 1], [0, 2]), rel=1e-12)
    assert error < 1e-6


def test_a_group_index_in_a_loop_that_may_not_run_is_checked_only_when_it_does():
    text = ("data M: int\ndata N: int\ndata J: int\ndata g: int[N]\nparam a: real[J]\na ~ Normal(0, 1)\n"
            "for k in range(M):\n    for i in range(N):\n        target += a[g[i]]\n")
    model = ppl.model(text, "nested.ppl")
    assert "IndexError" not in _function_source(model.code(), "log_density_gradient")
    u = np.array([0.3, -0.4])
    # no iteration of the outer loop: g is never read
    assert model.condition({"M": 0, "N": 3, "J": 2, "g": [0, 9, 1]}).log_density(u) == pytest.approx(
        scipy.stats.norm.logpdf(u).sum(), rel=1e-12)
    assert model.condition({"M": 2, "N": 3, "J": 2, "g": [0, 1, 1]}).log_density(u) == pytest.approx(
        scipy.stats.norm.logpdf(u).sum() + 2 * (u[0] + 2 * u[1]), rel=1e-12)
    with pytest.raises(ppl.DataError, match=r"index 9 from the data g\[1\]") as caught:
        model.condition({"M": 1, "N": 3, "J": 2, "g": [0, 9, 1]})
    assert (caught.value.line, caught.value.column) == (9, 21)


# what index_ranges proves, against brute force: every value of the data within a box that the
# declarations allow, every iteration of the loops.  (data declarations, loops, index, size, proved)
PROOFS = [
    ("N", ["i in range(N)"], "i", "N", True),
    ("N", ["n in range(1, N + 1)"], "n", "N", False),
    ("K<lower=1>, T<lower=K + 1>", ["t in range(K, T)"], "t", "T", True),
    ("K<lower=1>, T<lower=K + 1>", ["t in range(K, T)"], "t - K", "T", True),
    ("K, T", ["t in range(K, T)"], "t", "T", False),
    ("T<lower=1>", [], "0", "T", True),
    ("T", [], "0", "T", False),
    ("T<lower=1>", [], "-1", "T", True),
    ("N", ["i in range(N)", "j in range(i)"], "j", "N", True),
    ("N", ["i in range(N)", "j in range(i)"], "j + 1", "N", True),
    ("N", ["i in range(N)", "j in range(i + 1)"], "j + 1", "N", False),
    ("N", ["i in range(N - 1, -1, -1)"], "i", "N", True),
    ("N", ["i in range(0, N, 2)"], "i + 1", "N", False),
    ("N", ["i in range(N)"], "i * i", "N", False),
    ("N", ["i in range(N)"], "-1 - i", "N", True),
    ("N", ["i in range(N)"], "i", "N - 1", False),
    ("N, J<upper=N>", ["i in range(J)"], "i", "N", True),
    ("N, J<lower=0, upper=N>", ["i in range(J)"], "N - 1 - i", "N", True),
    ("N, J", ["i in range(J)"], "i", "N", False),
]


def _brute_force_in_range(declarations, loops, index, size) -> bool:
    """Whether -size <= index < size at every iteration, for every data value in -3..6 that the
    declarations accept (Python's own arithmetic and ranges: the oracle)."""
    import itertools

    names = [d.split("<")[0].strip() for d in declarations]
    bounds = [dict(re.findall(r"(lower|upper)=([^,>]+)", d)) for d in declarations]

    def iterations(scope, depth):
        if depth == len(loops):
            yield scope
            return
        variable, arguments = loops[depth].split(" in ")
        for value in eval(arguments, {}, dict(scope)):
            yield from iterations({**scope, variable.strip(): value}, depth + 1)

    for values in itertools.product(range(-3, 7), repeat=len(names)):
        scope = dict(zip(names, values))
        if any(("lower" in b and scope[n] < eval(b["lower"], {}, scope))
               or ("upper" in b and scope[n] > eval(b["upper"], {}, scope)) for n, b in zip(names, bounds)):
            continue
        for inner in iterations(scope, 0):
            extent, position = eval(size, {}, inner), eval(index, {}, inner)
            if not -extent <= position < extent:
                return False
    return True


def _split_declarations(text):
    return [d.strip() for d in re.split(r",\s*(?![^<]*>)", text)] if text else []


@pytest.mark.parametrize("row", PROOFS, ids=lambda row: f"{row[0]}|{';'.join(row[1])}|{row[2]}|{row[3]}")
def test_index_proofs_are_sound_and_cover_loop_arithmetic(row):
    from codegen import ir
    from codegen.driver import front_end
    from codegen.index_ranges import IndexFacts, data_facts
    from ppl.errors import Source

    declarations, loops, index, size, proved = row
    declared = _split_declarations(declarations)
    text = "".join(f"data {d.split('<')[0]}: int{d[len(d.split('<')[0]):]}\n" for d in declared)
    text += f"data x: real[{size}]\nparam m: real\nm ~ Normal(0, 1)\n"
    for depth, loop in enumerate(loops):
        text += "    " * depth + f"for {loop}:\n"
    text += "    " * len(loops) + f"target += m * x[{index}]\n"
    program = front_end(Source(text, "proof.ppl")).program
    enclosing, statements = [], list(program.statements)
    while any(isinstance(s, ir.ForLoop) for s in statements):
        loop = next(s for s in statements if isinstance(s, ir.ForLoop))
        enclosing.append(loop)
        statements = list(loop.body)
    read = next(e for e in ir.walk_expr(statements[-1].value) if isinstance(e, ir.IndexOp))
    facts = IndexFacts(data_facts(program), enclosing)
    result = facts.in_range(read.items[0].index, read.value.type.shape[0])
    assert result == proved
    if result:
        assert _brute_force_in_range(declared, loops, index, size)
