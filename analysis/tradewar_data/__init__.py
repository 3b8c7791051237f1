"""tradewar_data: bring your own input-output tables to tradewar.

``tradewar-data from-icio|from-wiod`` converts an OECD ICIO or WIOD table,
aggregated with mapping files, into a dataset folder in the engine's format
(regions.csv, sectors.csv, trade.csv, tariffs.csv, io.csv; see
configs/data/world/README.md); ``tradewar-data check DIR`` prints the
consistency report of any dataset; ``tradewar-data synth`` writes a synthetic
table in either layout (tests, the ICIO-size scenario). docs/DATA.md is the
user guide.

Only Debian's NumPy is needed (no pandas at run time: plain csv keeps the
line numbers that error messages must name).
"""

__version__ = "1.0"


class DataError(Exception):
    """Bad input: one line for the user, naming file, line and code."""
