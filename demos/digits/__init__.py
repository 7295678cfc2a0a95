"""digits: a small CNN that classifies sklearn's 8×8 handwritten digits, drawn by the reader."""
