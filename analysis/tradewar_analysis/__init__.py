"""Post-processing of tradewar result files (HDF5).

Modules:
  loader   open and validate a file, read labelled parameters/outcomes block by block
  summary  summary statistics (from /summary or recomputed) and table formatting
  plots    distributions, welfare by region, China's exports, scatter/Spearman,
           SRRC tornado, convergence of the running mean
  compare  several files side by side
  report   a folder with index.html / index.md
  cli      the ``tradewar-analyze`` command (also ``python -m tradewar_analysis``)
"""

__version__ = "0.1.0"

__all__ = ["AnalysisError", "ResultFile", "VariableInfo", "open_result", "OutcomeSummary", "outcome_summary",
           "summary_table", "__version__"]

from .loader import AnalysisError, ResultFile, VariableInfo, open_result  # noqa: F401
from .summary import OutcomeSummary, outcome_summary, summary_table  # noqa: F401
