import sys
from pathlib import Path

# Test helpers (field maker, corpus, extra layouts) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
