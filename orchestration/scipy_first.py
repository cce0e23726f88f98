"""Put scipy.special in sys.modules before Dagster and dbt, in a process that will score or train.

skops' import (ml.registry loads every model through it) names each scipy ufunc by walking sys.modules
in insertion order until a module holds it (those ufuncs carry no `__module__`). Imported after Dagster,
dagster-dbt and dbt (~4,500 modules), scipy sits at the end of that walk: the scoring imports cost
~3.9 CPU-s in the pipeline's process, ~1.4 with scipy.special imported first (0.45 CPU-s itself); the
run's warm-up thread pays them while dbt phase 1 holds both cores. benchmarks/import_order.py measures it.
"""

from __future__ import annotations

import scipy.special  # noqa: F401  (its import is the point of this module)
