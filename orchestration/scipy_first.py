"""Put scipy.special in sys.modules before Dagster and dbt, in a process that will score or train.

skops' import (ml.registry loads every model through it) names each scipy ufunc by walking sys.modules
in insertion order until a module holds it (those ufuncs carry no `__module__`). Imported after Dagster,
dagster-dbt and dbt (~4,500 modules), scipy sits at the end of that walk. benchmarks/import_order.py
(median of 5 fresh interpreters): the scoring imports 2.97 CPU-s after the definitions, 1.25 with
scipy.special first (0.42 CPU-s itself); the whole sequence 7.49 -> 5.75. The run's warm-up thread pays
them while dbt phase 1 holds both cores.
"""

from __future__ import annotations

import scipy.special  # noqa: F401  (its import is the point of this module)
