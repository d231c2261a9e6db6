"""A seeded mutation fuzzer over the gallery: every mutant of a gallery model is either
rejected by the checker with a located error, or compiles, binds the example's data
(or fails to with a located DataError / ModelNotSupportedError) and evaluates a gradient.

The mutator and the runner are in tests/fuzz_mutations.py; a failing mutant is reproduced
with `python tests/fuzz_mutations.py --seed SEED`.
"""

import random

import pytest

import fuzz_mutations as fm

# the model cache is keyed by text, and every mutant's text is distinct, so no mutant could
# reuse another's compiled module; a fresh cache per test matters the other way round: a warm
# cache would hand back a stored IR without running the checker at all.


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    folder = tmp_path / "ppl-cache"
    folder.mkdir()
    monkeypatch.setenv("PPL_CACHE_DIR", str(folder))
    return folder


def test_mutants_are_deterministic_for_a_seed():
    first = fm.mutants(40, base_seed=3)
    again = fm.mutants(40, base_seed=3)
    assert [(m.seed, m.model, m.operators, m.text) for m in first] == \
           [(m.seed, m.model, m.operators, m.text) for m in again]
    other = fm.mutants(40, base_seed=4)
    assert [m.text for m in first] != [m.text for m in other]
    originals = {text for text, _ in fm.gallery().values()}
    assert all(m.text not in originals for m in first)
    assert len({m.text for m in first}) == len(first)
    assert all(1 <= len(m.operators) <= 3 for m in first)


@pytest.mark.parametrize("operator", sorted(fm.OPERATORS))
def test_each_operator_is_pure_and_changes_every_gallery_model(operator):
    function = fm.OPERATORS[operator]
    for name, (text, _) in fm.gallery().items():
        changed = 0
        for seed in range(10):
            once = function(text, random.Random(seed))
            assert once == function(text, random.Random(seed)), (operator, name, seed)
            changed += once != text
        assert changed >= 5, f"{operator} changed {name} in only {changed} of 10 seeds"


def test_mutation_operators_cover_the_brief():
    names = set(fm.OPERATORS)
    assert {"delete_token", "swap_adjacent_tokens", "change_letter", "swap_operator", "break_indentation",
            "extreme_number", "swap_distribution", "swap_constraint", "stray_character", "duplicate_line",
            "delete_line"} <= names
    assert len(fm._catalogue()) >= 30          # the distribution names come from the catalogue


def _check(results):
    failures = [r for r in results if r.failed]
    assert not failures, "\n" + fm.format_failures(results)


def test_gallery_mutants(fresh_cache):
    """100 mutants (seeds 0..): 15-35 s on two shared cores; the slow run below takes 3000."""
    _check(fm.run_campaign(fm.mutants(100, base_seed=0), workers=2, timeout=60, cache_dir=fresh_cache))


@pytest.mark.slow
@pytest.mark.parametrize("base_seed", [1, 2, 3])
def test_gallery_mutants_many(fresh_cache, base_seed):
    """1000 mutants per base seed (3000 in all): 8.5-17.5 min for the three on two cores shared with
    other jobs (load average 2-4); each seed 3-10 min."""
    _check(fm.run_campaign(fm.mutants(1000, base_seed=base_seed), workers=2, timeout=60, cache_dir=fresh_cache))
