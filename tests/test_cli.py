"""The `ppl` command: outlines on success, located messages (no traceback) on error."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def run(*args):
    return subprocess.run([sys.executable, "-m", "ppl.cli", *args], capture_output=True, text=True)


def test_check_prints_an_outline():
    result = run("check", str(EXAMPLES / "linreg.ppl"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "sigma" in out and "lower bound" in out and "exp(u)" in out
    assert "mu" in out and "real[N]" in out
    assert "y_rep" in out


def test_check_reports_errors_without_traceback(tmp_path):
    bad = tmp_path / "bad.ppl"
    bad.write_text("param mu: real\nparam sigma: real<lower=0>\nmu ~ Normal(0, sigam)\n")
    result = run("check", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:3:16: error: unknown name 'sigam'" in result.stderr
    assert "did you mean 'sigma'?" in result.stderr
    assert "^^^^^" in result.stderr


def test_show_ir_and_ast():
    ir_dump = run("show", str(EXAMPLES / "garch11.ppl"), "--ir")
    assert ir_dump.returncode == 0, ir_dump.stderr
    assert "[model] for t in range(1, T, 1):" in ir_dump.stdout
    ast_dump = run("show", str(EXAMPLES / "garch11.ppl"), "--ast")
    assert "sigma[t] = sqrt(" in ast_dump.stdout


def test_sample_prints_the_summary_and_the_diagnosis_and_writes_csv(tmp_path):
    output = tmp_path / "draws.csv"
    result = run("sample", str(EXAMPLES / "linreg.ppl"), "--data", str(EXAMPLES / "linreg.data.json"),
                 "--warmup", "300", "--draws", "200", "--seed", "1", "--output", str(output), "--all")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "4 chains x 200 draws (nuts), seed 1" in out
    for column in ("mean", "sd", "q5", "q50", "q95", "ess_bulk", "ess_tail", "r_hat"):
        assert column in out.splitlines()[2]
    assert "w[2]" in out and "sigma" in out and "y_rep[0]" in out   # --all: the gen quantities too
    assert "Divergences:" in out and "E-BFMI" in out and "R-hat" in out
    import ppl

    fit = ppl.read_csv(output)
    assert fit["w"].shape == (4, 200, 3)


def test_sample_errors_are_messages(tmp_path):
    missing = run("sample", str(EXAMPLES / "linreg.ppl"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "'N'" in missing.stderr
    bad = run("sample", str(EXAMPLES / "linreg.ppl"), "--data", str(EXAMPLES / "linreg.data.json"), "--chains", "0")
    assert bad.returncode == 1 and "chains must be an integer >= 1" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_show_code_prints_the_generated_module(tmp_path):
    model = tmp_path / "m.ppl"
    model.write_text("param mu: real\ntarget += -0.5 * mu ** 2\n")
    result = run("show", str(model), "--code")
    assert result.returncode == 0, result.stderr
    assert "def log_density_gradient(u, grad_out, real_data, int_data):" in result.stdout
    assert "# adjoint sweep" in result.stdout


def test_missing_file_is_a_clear_error(tmp_path):
    result = run("check", str(tmp_path / "nope.ppl"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr
