"""The calibrated simulator: its parameters and presets, the model, and how close a run comes to
its study.
"""
