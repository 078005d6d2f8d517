#!/usr/bin/env bash
# The soak: every face of AtomicLru on all cores with mixed operations, checking invariants while it runs
# and after (see tests/AtomicLru.Soak/Program.cs). Usage: build/soak.sh [minutes] (default 10; fractions allowed).
# Exits non-zero on any violation. build/test.sh runs 30 seconds of it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

minutes="${1:-10}"
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); if (s < 6) s = 6; print s }')
if [ "${SOAK_NO_BUILD:-0}" != "1" ]; then
  dotnet build tests/AtomicLru.Soak/AtomicLru.Soak.csproj -c Release -v quiet -nologo
fi
exec dotnet run --project tests/AtomicLru.Soak/AtomicLru.Soak.csproj -c Release --no-build -- "$seconds"
