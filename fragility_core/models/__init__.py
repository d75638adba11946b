"""The networks: the batched MLP ensemble (chapters 1–8) and a straightforward reference for tests."""
