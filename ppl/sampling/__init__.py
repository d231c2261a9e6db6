"""NUTS and static HMC in Numba, with Stan's or nutpie's warmup: library code compiled once
for every model (each model's compiled gradient is passed in as a first-class
function).  `run.py` drives the chains on threads; `chain.py` is one chain in
native code; `nuts.py`, `hmc.py` the transitions; `hamiltonian.py` the
integrator and metric; `adaptation.py` Stan's warmup, `fisher.py` and `low_rank.py`
nutpie's (with its own chain entry point, `fisher_chain.py`); `rng.py` the streams."""
