"""The model cache heals (docs/compiler.md, "The disk cache"): every file of an entry damaged
in every way, an unusable cache folder, and two processes filling one cache at once.

Each row of the damage table copies one pristine entry (mtimes kept, so Numba's cache stays
valid in the copy), damages one file, and checks that the next compile + condition +
log_density_gradient gives the pristine answer with the expected number of CacheWarnings.
"""

from __future__ import annotations

import os
import pickle
import random
import shutil
import subprocess
import sys
import textwrap
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from codegen import build
from ppl.errors import CacheWarning

ROOT = Path(__file__).resolve().parents[1]

TEXT = """\
# the cache-healing test's model
data N: int
data y: real[N]
param mu: real
param sigma: real<lower=0>
mu ~ Normal(0, 1)
sigma ~ HalfNormal(1)
y ~ Normal(mu, sigma)
"""
DATA = {"N": 3, "y": [0.1, -0.3, 0.5]}
U = np.array([0.2, -0.1])


def exact_log_density(text_data=DATA, u=U) -> float:
    mu, sigma = u[0], np.exp(u[1])
    return float(stats.norm.logpdf(mu, 0, 1) + stats.halfnorm.logpdf(sigma, scale=1) + u[1]
                 + stats.norm.logpdf(text_data["y"], mu, sigma).sum())


def forget_modules() -> None:
    for name in [name for name in sys.modules if name.startswith("ppl_model_")]:
        del sys.modules[name]


def compile_condition_gradient(cache: Path):
    """compile + condition + one gradient with cache as PPL_CACHE_DIR, in a fresh import of
    the generated module; returns (value, gradient, the CacheWarnings' messages)."""
    previous = os.environ.get("PPL_CACHE_DIR")
    os.environ["PPL_CACHE_DIR"] = str(cache)
    forget_modules()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            posterior = ppl.model(TEXT).condition(DATA)
            value, gradient = posterior.log_density_gradient(U)
    finally:
        forget_modules()
        os.environ["PPL_CACHE_DIR"] = previous
    return value, gradient, [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A cache holding the model's whole entry: (cache folder, entry name, value, gradient)."""
    cache = tmp_path_factory.mktemp("pristine-cache")
    value, gradient, messages = compile_condition_gradient(cache)
    assert messages == []
    assert value == pytest.approx(exact_log_density(), rel=1e-12)
    (entry,) = [path.name for path in cache.iterdir()]
    numba_files = sorted(path.name for path in (cache / entry / "__pycache__").iterdir())
    for function in ("log_density_gradient", "constrain"):
        assert any(name.startswith(f"model.{function}-") and name.endswith(".nbi") for name in numba_files)
    return cache, entry, value, gradient


def entry_file(entry: Path, name: str) -> Path:
    """A file of the entry: its name, or `<function>.nbi` / `<function>.nbc` for Numba's."""
    if name.endswith((".nbi", ".nbc")):
        function, suffix = name.rsplit(".", 1)
        (path,) = (entry / "__pycache__").glob(f"model.{function}-*.{suffix}")
        return path
    return entry / name


def truncate_to_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(path.name).randbytes(max(path.stat().st_size, 64)))


def delete(path: Path) -> None:
    path.unlink()


def valid_pickle_of_nonsense(path: Path) -> None:
    """Whole pickles of the wrong thing: they pass the structural check and fail inside Numba's
    cache code, which the retry without the cache heals."""
    if path.suffix == ".nbi":
        path.write_bytes(pickle.dumps(__import__("numba").__version__) + pickle.dumps(42))
    else:
        path.write_bytes(pickle.dumps(("not", "numba's", "data")))


DAMAGES = {"truncated to half": truncate_to_half, "emptied": empty, "random bytes": random_bytes, "deleted": delete}
# ppl's own files, and the index and data files of a function Numba loads when the module is
# imported (log_density_gradient has an explicit signature) and of one it loads at its first call
FILES = ["program.pickle", "program.sha256", "model.py", "facts.pickle", "generated.sha256",
         "log_density_gradient.nbi", "log_density_gradient.nbc", "constrain.nbi", "constrain.nbc"]
# a missing manifest is a group never finished (or being written right now): rebuilt without a
# word; a missing Numba file is a cache miss to Numba (it writes an index before its data file)
SILENT = {("program.sha256", "deleted"), ("generated.sha256", "deleted")} | {
    (name, "deleted") for name in FILES if name.endswith((".nbi", ".nbc"))}
CASES = [(name, damage) for name in FILES for damage in DAMAGES] + [
    (name, "valid pickle of nonsense") for name in FILES if name.endswith((".nbi", ".nbc"))]


@pytest.mark.parametrize("name, damage", CASES, ids=[f"{name}-{damage.replace(' ', '_')}" for name, damage in CASES])
def test_a_damaged_entry_is_rebuilt_with_one_warning(pristine, tmp_path, name, damage):
    cache, entry_name, value, gradient = pristine
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)            # copy2: mtimes kept, Numba's index stays fresh
    entry = copy / entry_name
    ({**DAMAGES, "valid pickle of nonsense": valid_pickle_of_nonsense}[damage])(entry_file(entry, name))

    got_value, got_gradient, messages = compile_condition_gradient(copy)

    assert got_value == value
    np.testing.assert_array_equal(got_gradient, gradient)
    expected = 0 if (name, damage) in SILENT else 1
    assert len(messages) == expected, messages
    for message in messages:
        assert "\n" not in message and "was damaged" in message and str(entry) in message
        assert "the cache-healing test's model" not in message and "data N: int" in message   # which model
    assert healed(copy, entry_name)


def healed(cache: Path, entry_name: str) -> bool:
    """The entry verifies now: both manifests match, every Numba file is whole."""
    entry = cache / entry_name
    for manifest_name, names in (build.PROGRAM, build.GENERATED):
        digests = build._parse_manifest((entry / manifest_name).read_bytes())
        if digests is None or set(digests) != set(names):
            return False
        for name in names:
            import hashlib

            if hashlib.sha256((entry / name).read_bytes()).hexdigest() != digests[name]:
                return False
    return all(build._whole_pickles(path.read_bytes(), 2 if path.suffix == ".nbi" else 1)
               for path in (entry / "__pycache__").iterdir() if path.suffix in (".nbi", ".nbc"))


def test_an_entry_folder_replaced_by_a_file_is_rebuilt(pristine, tmp_path):
    cache, entry_name, value, gradient = pristine
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    shutil.rmtree(copy / entry_name)
    (copy / entry_name).write_bytes(b"not a folder")
    got_value, got_gradient, messages = compile_condition_gradient(copy)
    assert got_value == value
    assert len(messages) == 1 and "cache folder is a file" in messages[0]
    assert healed(copy, entry_name)


def test_a_file_named_like_the_numba_cache_is_replaced(pristine, tmp_path):
    cache, entry_name, value, gradient = pristine
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    shutil.rmtree(copy / entry_name / "__pycache__")
    (copy / entry_name / "__pycache__").write_bytes(b"not a folder")
    got_value, _, messages = compile_condition_gradient(copy)
    assert got_value == value
    assert len(messages) == 1 and "__pycache__" in messages[0]
    assert (copy / entry_name / "__pycache__").is_dir()


def test_a_model_from_a_file_is_named_by_its_path(pristine, tmp_path):
    cache, entry_name, value, _ = pristine
    path = tmp_path / "healing.ppl"
    path.write_text(TEXT)
    previous = os.environ["PPL_CACHE_DIR"]
    os.environ["PPL_CACHE_DIR"] = str(tmp_path / "cache")
    forget_modules()
    try:
        posterior = ppl.compile(str(path)).condition(DATA)
        folder = build.model_folder(posterior.model.source.text)
        truncate_to_half(folder / "program.pickle")
        truncate_to_half(folder / "model.py")
        forget_modules()
        with pytest.warns(CacheWarning) as caught:
            posterior = ppl.compile(str(path)).condition(DATA)
    finally:
        forget_modules()
        os.environ["PPL_CACHE_DIR"] = previous
    assert posterior.log_density_gradient(U)[0] == pytest.approx(value, rel=1e-12)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert f"model {path}" in messages[0] and "program.pickle does not match its checksum" in messages[0]
    assert f"model {path}" in messages[1] and "model.py does not match its checksum" in messages[1]


# --------------------------------------------------------------------------------------
# An unusable cache folder

def resolve_root_with(monkeypatch, tmp_path, configured: str):
    """cache_root() with PPL_CACHE_DIR=configured and the temporary folder inside tmp_path."""
    monkeypatch.setenv("PPL_CACHE_DIR", configured)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir(exist_ok=True)
    build._usable_root.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            root = build.cache_root()
    finally:
        build._usable_root.cache_clear()
    return root, [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


def test_ppl_cache_dir_pointing_at_a_file_falls_back_to_a_temporary_folder(monkeypatch, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("")
    root, messages = resolve_root_with(monkeypatch, tmp_path, str(target))
    assert root.parent == tmp_path / "tmp" and root.is_dir()
    assert len(messages) == 1
    assert f"PPL_CACHE_DIR={target}" in messages[0] and "it is a file, not a folder" in messages[0]
    assert str(root) in messages[0]


def test_a_parent_that_cannot_be_created_falls_back_to_a_temporary_folder(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    configured = tmp_path / "a-file" / "cache"
    root, messages = resolve_root_with(monkeypatch, tmp_path, str(configured))
    assert root.parent == tmp_path / "tmp"
    assert len(messages) == 1 and "PPL_CACHE_DIR" in messages[0] and "cannot be created" in messages[0]


def test_a_usable_folder_is_created_without_a_warning(monkeypatch, tmp_path):
    root, messages = resolve_root_with(monkeypatch, tmp_path, str(tmp_path / "new" / "cache"))
    assert root == tmp_path / "new" / "cache" and root.is_dir() and messages == []


def test_a_fallback_cache_still_compiles_and_samples(pristine, monkeypatch, tmp_path):
    _, _, value, _ = pristine
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("PPL_CACHE_DIR", str(tmp_path / "a-file"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    build._usable_root.cache_clear()
    forget_modules()
    try:
        with pytest.warns(CacheWarning, match="PPL_CACHE_DIR"):
            posterior = ppl.model(TEXT).condition(DATA)
        assert posterior.log_density_gradient(U)[0] == pytest.approx(value, rel=1e-12)
        assert build.model_folder(TEXT).parent.parent == tmp_path / "tmp"
    finally:
        build._usable_root.cache_clear()
        forget_modules()


def _without_root_powers() -> list[str] | None:
    """A command prefix under which root cannot write a read-only folder, [] when not root,
    None when there is no such prefix here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    try:
        probe = subprocess.run(prefix + ["true"], capture_output=True)
    except OSError:
        return None
    return prefix if probe.returncode == 0 else None


def test_a_read_only_cache_folder_falls_back_to_a_temporary_folder(tmp_path):
    prefix = _without_root_powers()
    if prefix is None:
        pytest.skip("running as root without setpriv: a read-only folder is writable")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    read_only.chmod(0o555)
    script = textwrap.dedent(f"""
        import warnings
        warnings.simplefilter("always")
        import ppl
        from codegen.build import model_folder
        model = ppl.model({TEXT!r})
        print(model_folder(model.source.text))
    """)
    env = dict(os.environ, PPL_CACHE_DIR=str(read_only), TMPDIR=str(scratch), PYTHONPATH=str(ROOT))
    try:
        result = subprocess.run(prefix + [sys.executable, "-c", script], capture_output=True, text=True, env=env,
                                timeout=300)
    finally:
        read_only.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert f"PPL_CACHE_DIR={read_only} cannot hold the model cache (it is not writable" in result.stderr
    assert "Traceback" not in result.stderr
    folder = Path(result.stdout.strip())
    assert folder.parent.parent == scratch and (folder / "program.pickle").exists()
    assert list(read_only.iterdir()) == []


# --------------------------------------------------------------------------------------
# Two processes filling one cache at once

CONCURRENT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    import ppl
    start = Path(sys.argv[1])
    while not start.exists():      # both processes begin together
        time.sleep(0.001)
    text = sys.argv[2]
    posterior = ppl.model(text).condition({"N": 3, "y": [0.1, -0.3, 0.5]})
    print(repr(posterior.log_density_gradient(np.array([0.2, -0.1]))[0]))
""")


def test_two_processes_compiling_one_new_model_into_one_cache(tmp_path):
    text = TEXT + f"# {uuid.uuid4().hex}: a model no process has compiled yet\n"
    cache = tmp_path / "shared-cache"
    start = tmp_path / "start"
    env = dict(os.environ, PPL_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT), PYTHONWARNINGS="always")
    processes = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(start), text], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    start.touch()
    outputs = [process.communicate(timeout=600) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
        assert "CacheWarning" not in stderr, stderr
        assert float(stdout.strip()) == pytest.approx(exact_log_density(), rel=1e-12)
    (entry,) = list(cache.iterdir())
    assert healed(cache, entry.name)
    assert not [path for path in entry.iterdir() if path.name.endswith(".tmp")]


# --------------------------------------------------------------------------------------
# The retry without Numba's cache is for failures in that cache only

def test_an_error_from_elsewhere_keeps_numbas_cache(pristine, tmp_path, monkeypatch):
    cache, entry_name, _, _ = pristine
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    monkeypatch.setenv("PPL_CACHE_DIR", str(copy))
    numba_folder = copy / entry_name / "__pycache__"
    before = sorted(path.name for path in numba_folder.iterdir())

    assert not build.discard_numba_cache(TEXT, ValueError("not from Numba's cache"))
    # an error inside Numba's cache code, reading another function's cache (the library's)
    from numba.core.caching import IndexDataCacheFile

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "f-1.py311.nbi").write_bytes(b"")
    with pytest.raises(EOFError) as caught:
        IndexDataCacheFile(str(elsewhere), "f-1.py311", (0, 0))._load_index()
    assert build._raised_in_numba_cache(caught.value, elsewhere)
    assert not build.discard_numba_cache(TEXT, caught.value)
    assert sorted(path.name for path in numba_folder.iterdir()) == before
