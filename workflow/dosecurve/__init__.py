"""dosecurve: psychotherapy dose-response as time-to-event analysis.

Data flow, one way: sessions -> validated sessions -> per-client events ->
Kaplan-Meier curves and tests -> tables, figures and report. Modules take and
return DataFrames, arrays, numbers or frozen dataclasses; they never touch paths
or the ``snakemake`` object.
"""

__version__ = "0.1.0"
