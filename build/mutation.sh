#!/usr/bin/env bash
# Mutation testing of the engine with Stryker.NET (pinned in dotnet-tools.json), one file at a time: it is slow
# on two cores. Usage: build/mutation.sh <file under src/AtomicLru/Engine or src/AtomicLru, or a path under src/AtomicLru>[:lines] [filter]
#   build/mutation.sh NodeTable.cs
#   build/mutation.sh Policy/GhostList.cs
#   build/mutation.sh AtomicLruStorage.cs
#   build/mutation.sh RecencyLog.cs "FullyQualifiedName~RecencyLog|FullyQualifiedName~Engine"
#   build/mutation.sh LruEngine.cs:366-587,865-1030    (only those line ranges; Stryker wants character spans)
# The default filter runs every test of tests/AtomicLru.Tests except the long CsCheck linearizability checks.
# Reports (HTML and JSON) go to artifacts/mutation/<file>/; the score per file is in docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

arg="${1:?usage: build/mutation.sh <file in src/AtomicLru/Engine, or Folder/File.cs under src/AtomicLru>[:first-last,...] [test filter]}"
filter="${2:-FullyQualifiedName!~Linearizability}"
file="${arg%%:*}"
[[ "$file" == */* || -f "src/AtomicLru/$file" ]] || file="Engine/$file" # a file of the project root, else of Engine
name="$(basename "${file%.cs}")"
pattern="**/$file"
if [[ "$arg" == *:* ]]; then
  # Line ranges -> Stryker's {start..end} character spans of the file.
  pattern+=$(python3 - "src/AtomicLru/$file" "${arg#*:}" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(keepends=True)
starts = [0]
for line in lines:
    starts.append(starts[-1] + len(line))
spans = []
for part in sys.argv[2].split(","):
    first, last = (int(x) for x in part.split("-"))
    spans.append(f"{{{starts[first - 1]}..{starts[last]}}}")
print("".join(spans))
PY
)
  name+="-lines-${arg#*:}"
fi
out="$PWD/artifacts/mutation/$name"
rm -rf "$out"
mkdir -p "$out"

dotnet tool restore >/dev/null
cd tests/AtomicLru.Tests
dotnet stryker \
  --project AtomicLru.csproj \
  --mutate "$pattern" \
  --test-case-filter "$filter" \
  --configuration Release \
  --concurrency 2 \
  --reporter progress --reporter html --reporter json \
  --output "$out"

report=$(find "$out" -name 'mutation-report.json' | head -n 1)
python3 - "$report" <<'PY'
import json, sys
from collections import Counter
data = json.load(open(sys.argv[1]))
counts = Counter(m["status"] for f in data["files"].values() for m in f["mutants"])
killed = counts["Killed"] + counts["Timeout"]
valid = killed + counts["Survived"] + counts["NoCoverage"]
print(f"{sys.argv[1]}: score {100.0 * killed / max(valid, 1):.1f} % ({killed} killed or timed out, "
      f"{counts['Survived']} survived, {counts['NoCoverage']} not covered, {counts['Ignored'] + counts['CompileError']} ignored or not compiling)")
for path, f in data["files"].items():
    for m in f["mutants"]:
        if m["status"] in ("Survived", "NoCoverage"):
            line = m["location"]["start"]["line"]
            print(f"  {m['status']:10} line {line:4} {m['mutatorName']}: {m.get('replacement', '')[:90]!r}")
PY
