"""`python -m scale.spark_dbt <dbt args>`: dbt's CLI with the Spark session target able to run the project's
Python models on the driver (scale.spark_python_models). Use it instead of the `dbt` executable for
`--target spark`; every argument is passed to dbt unchanged. Exit status 0 when dbt succeeded."""

from __future__ import annotations

import sys

from scale.spark_jvm import stop_and_reap
from scale.spark_python_models import install_session_submission


def main(argv: list[str]) -> int:
    install_session_submission()
    from dbt.cli.main import dbtRunner

    ok = dbtRunner().invoke(argv).success
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:  # the session connection's pyspark, started inside dbt
        stop_and_reap(session)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
