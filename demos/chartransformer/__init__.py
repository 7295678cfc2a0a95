"""A small causal char Transformer on the char-LSTM's Python corpus, against the char-LSTM."""
