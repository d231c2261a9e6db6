"""Inference beyond NUTS (issue #12): methods that answer with draws or a point that no
Markov chain made, on the same compiled model functions as the samplers."""
