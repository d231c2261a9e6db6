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
