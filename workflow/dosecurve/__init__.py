"""dosecurve: psychotherapy dose-response as time-to-event analysis.

Data flow, one way: sessions (``data``) -> per-client events (``outcomes``) -> curves, tests
and models (``stats``) -> tables, figures (``figures``) and the report (``report``), with the
settings parsed once (``config``) and every output registered (``outputs``). Modules take and
return DataFrames, arrays, numbers or frozen dataclasses; only ``results`` (result files) and
``data.readers`` (input files) open files, and none touches the ``snakemake`` object.
"""

__version__ = "0.1.0"
