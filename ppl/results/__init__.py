"""What sampling returns and what is done with it afterwards: the `Fit`
(fit.py), its summary table (summary.py) and CmdStan-style diagnosis
(report.py), files (io.py: CSV and lossless .npz; cmdstan_csv.py: CmdStan's one CSV per
chain, out and in), ArviZ export (export.py)
and figures (plots.py).  Plain NumPy; matplotlib, pandas and ArviZ are
imported only by the functions that need them."""
