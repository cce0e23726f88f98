#!/usr/bin/env bash
# The Spark growth-path target (dbt-spark session method, pyspark local mode) needs a Java runtime:
# Debian's default-jre-headless, never a downloaded JDK build. Install it when we can.
set -euo pipefail
if command -v java >/dev/null 2>&1 || [ -x /usr/bin/java ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's default-jre-headless for the Spark target"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
else
  echo "warning: java not found; install Debian's 'default-jre-headless' package to run the Spark target" >&2
fi
