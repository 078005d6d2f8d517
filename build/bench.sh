#!/usr/bin/env bash
# The benchmarks; never run by CI. Sections and what each publishes are in docs/benchmarks/README.md.
#   build/bench.sh               every side-by-side section -> docs/benchmarks/side-by-side.md and .svg (~5 min, 2 cores)
#   build/bench.sh --operations  that, then the BenchmarkDotNet suites -> docs/benchmarks/operations/ (~3 min more)
#   build/bench.sh operations    the BenchmarkDotNet suites only
#   build/bench.sh <section>     one side-by-side section, printed only: latency | zipf | churn | ttl | bytes |
#                                hitratio [traces folder] | memory | cores | tinylfu-speed | tinylfu-model
#   build/bench.sh tinylfu       both eviction policies beside BitFaster ConcurrentLfu: hit ratio on every trace, Zipf
#                                throughput, hit latency -> docs/benchmarks/tinylfu.md (~4 min)
#   build/bench.sh multinode     HybridCache/FusionCache over a redis-server it starts on a free loopback port
#                                -> docs/benchmarks/multinode.md (~2 min; installs redis-server if missing)
# A run that fails leaves the committed reports as they were: output goes to a temporary folder first.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=docs/benchmarks
project=tests/AtomicLru.Benchmarks
exe="$PWD/$project/bin/Release/net10.0/AtomicLru.Benchmarks"
dotnet build "$project" -c Release -v quiet -nologo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

side_by_side() {
  "$exe" all "$tmp" | tee "$tmp/side-by-side.md"
  mv "$tmp/side-by-side.md" "$tmp/side-by-side.svg" "$out/"
}

operations() {
  rm -rf "$project/BenchmarkDotNet.Artifacts"
  (cd "$project" && "$exe" --filter '*HotKey*' '*SetWithEviction*' '*DistributedCache*' '*HitLatencyBenchmarks*')
  mkdir -p "$tmp/operations"
  cp "$project"/BenchmarkDotNet.Artifacts/results/*-report-github.md "$tmp/operations/"
  mkdir -p "$out/operations"
  cp "$tmp"/operations/*.md "$out/operations/"
}

multinode() {
  command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
  redis_pid=$!
  trap 'kill $redis_pid 2>/dev/null; rm -rf "$tmp"' EXIT
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  "$exe" multinode "127.0.0.1:$port" | tee "$tmp/multinode.md"
  mv "$tmp/multinode.md" "$out/"
}

tinylfu() {
  {
    echo "# Window TinyLFU, measured"
    echo
    echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC by \`build/bench.sh tinylfu\`. AtomicLru seeds its frequency sketch at random per cache, and BitFaster ConcurrentLfu and MemoryCache are not deterministic either: hit ratios move by a few tenths between runs (the model's are fixed). Throughput and latency move by half between runs on a 2-core VM: read the ratios, taken within each round."
    echo
    "$exe" tinylfu
  } | tee "$tmp/tinylfu.md"
  mv "$tmp/tinylfu.md" "$out/"
}

case "${1:-}" in
  "") side_by_side ;;
  --operations) side_by_side; operations ;;
  operations) operations ;;
  multinode) multinode ;;
  tinylfu) tinylfu ;;
  latency|zipf|churn|ttl|bytes|hitratio|memory|cores|tinylfu-speed|tinylfu-model) "$exe" "$@" ;;
  *) echo "unknown section '$1'; see the header of $0" >&2; exit 2 ;;
esac
