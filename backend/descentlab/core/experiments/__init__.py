"""The lecture's experiments, each a pure function ``run(params, progress) -> result``.

``progress(fraction)`` reports how far the work is (0…1); the job runner may raise from
it to cancel. Results are plain dicts of numbers and NumPy arrays (Plotly-ready).
"""
