"""The fuzz suites import the target table from this directory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
