#!/usr/bin/env bash
# Builds the whole solution (warnings are errors), runs every test project, a short soak, and the package test
# (build/package-test.sh: pack, consume from a fresh app, publish native AOT).
# This is the README's test command and what CI runs (.ci/run). It needs the .NET SDK that global.json
# names and redis-server, which it installs from Debian's packages when missing (the Redis tests start their
# own servers on free loopback ports; without the server they fail, never skip), and clang with zlib for the native
# AOT publish, which build/package-test.sh installs the same way. NuGet packages restore from the configured feed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq redis-server >/dev/null 2>&1 || {
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq redis-server
  }
fi
redis-server --version

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results="artifacts/test-results"
rm -rf "$results"

dotnet build AtomicLru.Extensions.sln -c Release

status=0
dotnet test AtomicLru.Extensions.sln -c Release --no-build \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m || status=$?

# One closing line over every test project, in the plain 'N passed, N failed' form.
passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + total - p - f))
done
if [ "$files" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
  echo "no tests ran" >&2
  exit 1
fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"

# Thirty seconds of the soak (build/soak.sh runs ten minutes): every face on all cores, invariants checked.
soak=0
SOAK_NO_BUILD=1 bash build/soak.sh 0.5 || soak=$?
if [ "$soak" -ne 0 ]; then
  echo "soak: failed (exit $soak)" >&2
  [ "$status" -ne 0 ] || status=$soak
fi
# The packages as a user gets them: packed, consumed by a fresh app from the template, and published native AOT.
package=0
bash build/package-test.sh || package=$?
if [ "$package" -ne 0 ]; then
  echo "package test: failed (exit $package)" >&2
  [ "$status" -ne 0 ] || status=$package
fi

# The failed tests again, last, with the first lines of their messages: a CI log shows only its tail.
if [ "$failed" -gt 0 ]; then
  echo "failed tests:"
  python3 - "$results" <<'PY' || grep -ho 'testName="[^"]*" [^>]*outcome="Failed"' "$results"/*.trx
import glob, sys, xml.etree.ElementTree as tree
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in glob.glob(sys.argv[1] + "/*.trx"):
    for result in tree.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
        print("  " + result.get("testName", "?"))
        message = result.findtext(".//t:ErrorInfo/t:Message", "", ns).strip().splitlines()
        stack = result.findtext(".//t:ErrorInfo/t:StackTrace", "", ns).strip().splitlines()
        for line in message[:8] + stack[:6]:
            print("    " + line.strip())
PY
fi
exit "$status"
