"""``python -m tradewar_analysis``: the tradewar-analyze command."""

import sys

from .cli import main

sys.exit(main())
