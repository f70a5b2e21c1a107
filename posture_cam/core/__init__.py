"""The analysis: pure functions and small state machines over numpy arrays and timestamps.

Nothing here touches a camera, a model, a file, a clock or a notification; everything
here imports only numpy, the standard library and other core modules (tests/test_purity.py).
"""
