"""Outcome measures: instruments and their constants, severity bands from the intake score,
reliable and clinically significant change.
"""
