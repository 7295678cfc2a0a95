"""Remember a marked value across a delay: an LSTM, a GRU and a plain tanh RNN side by side."""
