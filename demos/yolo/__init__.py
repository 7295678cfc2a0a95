"""yolo: a YOLO-style single-pass detector (S×S grid, B boxes per cell) on generated shape scenes."""
