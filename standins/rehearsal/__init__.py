"""`make run`, the rehearsal: one module per part, `console` shared, `__main__` runs them."""
