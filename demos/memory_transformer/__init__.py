"""A small causal Transformer trained on the NTM's tasks: model, training, export, numpy inference."""
