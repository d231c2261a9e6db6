"""The command line a CmdStan user knows: `ppl sample` with --init, --save-warmup,
--output-dir (one CmdStan CSV per chain), every flag with help and default, output
paths checked before anything is compiled or sampled, `ppl --version`, and
`ppl summary` / `ppl diagnose` on saved fits, ours or CmdStan's."""

import argparse
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl import cli

EXAMPLES = Path(__file__).parent.parent / "examples"
CMDSTAN_FILES = Path(__file__).parent / "data" / "cmdstan"
LINREG = [str(EXAMPLES / "linreg.ppl"), "--data", str(EXAMPLES / "linreg.data.json")]


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args):
    """`ppl ARGS` in this process (a subprocess per call would spend its time importing)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exit_:    # --version, --help
            code = exit_.code
    return Result(code, out.getvalue(), err.getvalue())


class Sampled(BaseException):   # past the CLI's own handlers
    """Raised by the stand-in for Model.sample: the settings the CLI passed."""


@pytest.fixture
def settings_passed(monkeypatch):
    """Model.sample replaced by a recorder: the CLI's settings, without sampling."""
    passed = {}

    def record(model, data, **settings):
        passed.update(settings, data=data)
        raise Sampled

    monkeypatch.setattr(ppl.Model, "sample", record)
    return passed


def test_version():
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"ppl {ppl.__version__}"


def test_every_flag_has_help_and_shows_its_default():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"check", "show", "sample", "summary", "diagnose"} <= set(commands.choices)
    for name, command in commands.choices.items():
        assert command.formatter_class is argparse.ArgumentDefaultsHelpFormatter, name
        for action in command._actions:
            assert action.help, f"ppl {name} {action.option_strings or action.dest}: no help"
    text = run("sample", "--help").stdout
    for flag in ("--data", "--chains", "--warmup", "--draws", "--seed", "--init", "--output-dir", "--save-warmup",
                 "--target-accept", "--max-treedepth", "--metric", "--cores", "--output", "--all"):
        assert flag in text, flag
    assert "(default: 1000)" in text and "(default: 0.8)" in text and "(default: auto)" in text


def test_sample_passes_the_cmdstan_flags_through(settings_passed, tmp_path):
    init = tmp_path / "init.json"
    init.write_text(json.dumps({"w": [0.1, 0.2, 0.3], "sigma": 1.5}))
    with pytest.raises(Sampled):
        cli.main(["sample", *LINREG, "--chains", "3", "--warmup", "50", "--draws", "60", "--seed", "7",
                  "--init", str(init), "--save-warmup", "--target-accept", "0.95", "--max-treedepth", "12",
                  "--metric", "dense_e", "--cores", "2", "--no-progress"])
    assert settings_passed["init"] == {"w": [0.1, 0.2, 0.3], "sigma": 1.5}
    assert (settings_passed["chains"], settings_passed["warmup"], settings_passed["draws"]) == (3, 50, 60)
    assert settings_passed["seed"] == 7 and settings_passed["save_warmup"] is True
    assert settings_passed["target_accept"] == 0.95 and settings_passed["max_treedepth"] == 12
    assert settings_passed["metric"] == "dense" and settings_passed["cores"] == 2   # CmdStan's name, ppl's metric


def test_init_pathfinder_is_passed_through(settings_passed):
    with pytest.raises(Sampled):
        cli.main(["sample", *LINREG, "--init", "pathfinder", "--no-progress"])
    assert settings_passed["init"] == "pathfinder"


def test_a_bad_init_file_is_a_message(tmp_path, capsys, settings_passed):
    bad = tmp_path / "init.json"
    bad.write_text("{\"w\": [1, 2,")
    assert cli.main(["sample", *LINREG, "--init", str(bad)]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    bad.write_text("[1, 2]")
    assert cli.main(["sample", *LINREG, "--init", str(bad)]) == 1
    assert "expected a JSON object of param values" in capsys.readouterr().err
    assert cli.main(["sample", *LINREG, "--init", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["sample", *LINREG, "--init", "0.5"]) == 1        # CmdStan's init radius
    assert "ppl has no init radius" in capsys.readouterr().err
    assert not settings_passed     # never sampled


def test_an_output_path_that_cannot_be_written_stops_before_sampling(tmp_path, capsys, settings_passed):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert cli.main(["sample", *LINREG, "--output-dir", str(blocker / "out")]) == 1
    err = capsys.readouterr().err
    assert "--output-dir" in err and "cannot be created or written" in err
    assert cli.main(["sample", *LINREG, "--output", str(blocker / "draws.csv")]) == 1
    assert "--output" in capsys.readouterr().err
    assert cli.main(["sample", *LINREG, "--output", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert not settings_passed     # nothing was sampled
    # a missing folder is created, and nothing is left behind in it before the run
    with pytest.raises(Sampled):
        cli.main(["sample", *LINREG, "--output", str(tmp_path / "new" / "draws.csv"), "--output-dir",
                  str(tmp_path / "deep" / "er")])
    assert (tmp_path / "new").is_dir() and not (tmp_path / "new" / "draws.csv").exists()
    assert (tmp_path / "deep" / "er").is_dir()


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    """One real run: linreg, 2 chains from given inits, warmup saved, CmdStan CSVs in a folder that
    did not exist."""
    folder = tmp_path_factory.mktemp("cli")
    init = folder / "init.json"
    init.write_text(json.dumps({"w": [0.5, 1.0, -1.0], "sigma": 2.0}))
    result = run("sample", *LINREG, "--chains", "2", "--warmup", "120", "--draws", "80", "--seed", "4",
                 "--save-warmup", "--output-dir", folder / "runs" / "linreg", "--output", folder / "draws.csv",
                 "--init", init, "--no-progress")
    return result, folder


def test_sample_writes_one_cmdstan_csv_per_chain(sampled):
    result, folder = sampled
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "w[2]" in out and "sigma" in out and "mu[0]" not in out      # params by default
    assert "not shown: mu (deterministic), y_rep (generated)" in out
    assert "2 CmdStan CSV files (one per chain) written to" in out
    paths = sorted((folder / "runs" / "linreg").glob("*.csv"))
    assert [p.name for p in paths] == ["linreg_1.csv", "linreg_2.csv"]
    text = paths[0].read_text()
    assert f"#   file = {EXAMPLES / 'linreg.data.json'}" in text and "#     save_warmup = 1" in text
    fit = ppl.read_cmdstan_csv(paths)
    assert fit["w"].shape == (2, 80, 3) and fit.warmup["w"].shape == (2, 120, 3) and fit.seed == 4
    same = ppl.read_csv(folder / "draws.csv")          # the --output file holds the same draws
    np.testing.assert_array_equal(same["w"], fit["w"])
    np.testing.assert_array_equal(same["y_rep"], fit["y_rep"])


def test_summary_and_diagnose_on_our_files(sampled):
    _, folder = sampled
    summary = run("summary", folder / "runs" / "linreg")
    assert summary.returncode == 0, summary.stderr
    assert "linreg: 2 chains x 80 draws (nuts)" in summary.stdout
    assert "sigma" in summary.stdout and "mu[0]" not in summary.stdout
    every = run("summary", "--all", *sorted((folder / "runs" / "linreg").glob("*.csv")))
    assert "mu[9]" in every.stdout and "... 40 more elements of mu" in every.stdout   # N = 50
    assert "y_rep[0]" in every.stdout
    from_ppl_csv = run("summary", folder / "draws.csv")
    assert from_ppl_csv.returncode == 0 and "sigma" in from_ppl_csv.stdout
    diagnose = run("diagnose", folder / "runs" / "linreg")
    assert diagnose.returncode == 0, diagnose.stderr
    assert diagnose.stdout.startswith("Divergences:") and "E-BFMI" in diagnose.stdout


def test_summary_and_diagnose_on_cmdstans_files():
    summary = run("summary", CMDSTAN_FILES)
    assert summary.returncode == 0, summary.stderr
    assert "schools: 2 chains x 4 draws (nuts)" in summary.stdout
    assert "theta[2]" in summary.stdout and "z[1, 0]" in summary.stdout
    diagnose = run("diagnose", *sorted(CMDSTAN_FILES.glob("*.csv")))
    assert diagnose.returncode == 0 and "Tree depth: no draw hit the maximum of 12." in diagnose.stdout


def test_diagnose_needs_sampler_statistics(tmp_path):
    lines = (CMDSTAN_FILES / "output_b.csv").read_text().splitlines()
    header = lines.index(next(line for line in lines if line.startswith("lp__")))
    columns = lines[header].split(",")
    keep = [k for k, name in enumerate(columns) if name in ("lp__", "accept_stat__") or not name.endswith("__")]
    kept = [",".join(line.split(",")[k] for k in keep) if not line.startswith("#") else line
            for line in lines[header:]]
    fixed = tmp_path / "fixed_param.csv"    # what CmdStan's fixed_param sampler writes: two statistics
    fixed.write_text("\n".join(lines[:header] + kept) + "\n")
    result = run("diagnose", fixed)
    assert result.returncode == 1 and "no sampler statistic diverging, energy, tree_depth" in result.stderr
    assert run("summary", fixed).returncode == 0


def test_summary_of_a_missing_or_bad_file_is_a_message(tmp_path):
    missing = run("summary", tmp_path / "nope.csv")
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2,3\n")
    bad = run("diagnose", junk)
    assert bad.returncode == 1 and "junk.csv:2: a row of 3 values" in bad.stderr
    assert "Traceback" not in bad.stderr
