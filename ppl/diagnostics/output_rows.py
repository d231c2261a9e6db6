"""The rows of ``estimators.diagnose_quantities``'s output, [rows, quantities]: the
interface between the compiled kernels and ``ppl.diagnostics``, which reads the rows
and must not need Numba to know them.  Row ``ESS_QUANTILE + p`` holds the ESS of
the p-th asked-for quantile."""

RHAT, RHAT_SPLIT, ESS_BULK, ESS_MEAN, SD, MCSE_SD, MCSE_QUANTILE, ESS_QUANTILE = range(8)
