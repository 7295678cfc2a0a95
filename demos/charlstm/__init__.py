"""A character-level LSTM trained on Python source, whose cells the reader can watch (Karpathy et al. 2015)."""
