import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/bad/*.expected from ppl's current messages")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session", autouse=True)
def private_model_cache(tmp_path_factory):
    """Compiled models go to a fresh cache per test session, never the user's."""
    previous = os.environ.get("PPL_CACHE_DIR")
    os.environ["PPL_CACHE_DIR"] = str(tmp_path_factory.mktemp("ppl-model-cache"))
    yield
    if previous is None:
        os.environ.pop("PPL_CACHE_DIR", None)
    else:
        os.environ["PPL_CACHE_DIR"] = previous


# The default run must stay within 15 minutes on two cores (CI runs `-m slow` as well, so every case
# still runs there).  These families check one property over many inputs, each case compiling a model
# of its own: one case in every STRIDE (in collection order, so spread over the whole list) runs by
# default, the others are marked slow.
DEFAULT_STRIDE = {
    "tests/test_builtins_more.py::test_structural_value_gradient_and_data": 4,
    "tests/test_builtins_more.py::test_elementwise_value_gradient_and_data": 3,
    "tests/test_cdf.py::test_compiled_expressions_and_their_gradients": 4,
    "tests/test_compile_crashes.py::test_user_names_never_meet_generated_names": 5,
    "tests/test_compile_crashes.py::test_checked_model_compiles_with_a_correct_gradient": 3,
    "tests/test_compile_crashes.py::test_indices_the_data_put_out_of_range_are_data_errors_at_the_index": 3,
    "tests/test_compile_crashes.py::test_int_data_in_event_distributions_counts_as_reals": 2,
    "tests/test_compiled_builtins.py::test_log_density_matches_numpy_and_gradient_matches_finite_differences": 3,
    "tests/test_errors.py::test_cli_check_on_bad_model": 3,
    "tests/test_gallery_gradients.py::test_gradient_matches_finite_differences": 2,
    "tests/test_gradients.py::test_event_distribution_values_and_gradients": 3,
    "tests/test_gradients.py::test_generated_log_density_and_gradient": 2,
    "tests/test_incomplete_beta.py::test_truncation_with_param_shapes_matches_scipy_and_finite_differences": 2,
    "tests/test_log_likelihood.py::test_terms_sum_to_the_log_density_of_the_model_without_its_priors": 2,
    "tests/test_products.py::test_product_gradients_equal_finite_differences": 3,
    "tests/test_sbc.py::test_gallery_models_are_calibrated": 3,
}


@pytest.hookimpl(tryfirst=True)   # before pytest's own `-m` selection reads the marks
def pytest_collection_modifyitems(config, items):
    seen = {}
    for item in items:
        family = item.nodeid.split("[", 1)[0]
        stride = DEFAULT_STRIDE.get(family)
        if stride is None or "[" not in item.nodeid:
            continue
        position = seen.get(family, 0)
        seen[family] = position + 1
        if position % stride:
            item.add_marker(pytest.mark.slow)
