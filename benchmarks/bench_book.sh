#!/usr/bin/env bash
# Time the README's commands with the environment present: cold book build (no execution cache),
# cached rebuild, and the test suite.  Usage: bash benchmarks/bench_book.sh
set -euo pipefail
cd "$(dirname "$0")/.."
make env data mathjax >/dev/null
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
echo "cold book build (make book-fresh: no _build, every chapter executed): $(t make book-fresh) s"
echo "cached rebuild (make book, nothing changed): $(t make book) s"
echo "test suite (make test): $(t make test) s"
