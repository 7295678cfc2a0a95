"""Neural Turing Machine (Graves et al. 2014): model, training, step-model export, numpy inference."""
