"""The pieces of ``benchmarks/reproduce.py``.

- :mod:`benchmarks._reproduce.config`: data sets, the paper's medians, the
  ``fast`` and ``paper`` profiles (networks, sizes, epochs, recipe);
- :mod:`benchmarks._reproduce.data`: loading and splitting each data set;
- :mod:`benchmarks._reproduce.runner`: building, fitting and scoring the models
  (the metrics, content and sweep experiments);
- :mod:`benchmarks._reproduce.report`: tables, figures and the merge of runs.
"""
