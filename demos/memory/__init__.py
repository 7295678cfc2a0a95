"""The memory demo: NTM vs Transformer on copy and associative recall (tasks, experiment, export, CLI)."""
