#!/usr/bin/env bash
# Runs the side-by-side harness and writes docs/benchmarks/side-by-side.md and side-by-side.svg (about
# five minutes on 2 cores). With --operations it also runs the BenchmarkDotNet suites (about three
# minutes more) and copies their reports to docs/benchmarks/operations/. Never run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/benchmarks
dotnet build tests/AtomicLru.Benchmarks -c Release -v quiet -nologo
exe=tests/AtomicLru.Benchmarks/bin/Release/net10.0/AtomicLru.Benchmarks
"$exe" all "$out" | tee "$out/side-by-side.md"
if [[ "${1:-}" == "--operations" ]]; then
  (cd tests/AtomicLru.Benchmarks && "../../$exe" --filter '*HotKey*' '*SetWithEviction*' '*DistributedCache*' '*HitLatencyBenchmarks*')
  mkdir -p "$out/operations"
  cp tests/AtomicLru.Benchmarks/BenchmarkDotNet.Artifacts/results/*-report-github.md "$out/operations/"
fi
