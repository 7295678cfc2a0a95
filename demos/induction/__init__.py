"""Induction heads: a 2-layer attention-only Transformer learning to continue repeated random tokens
(Elhage et al. 2021; Olsson et al. 2022)."""
