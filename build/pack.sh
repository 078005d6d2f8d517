#!/usr/bin/env bash
# Packs AtomicLru and AtomicLru.Extensions into artifacts/packages, for use before they are on a public feed:
#   build/pack.sh [version]                          (default 0.1.0-local)
# then, in your project's folder:
#   dotnet new nugetconfig                           (if it has none)
#   dotnet nuget add source <this repository>/artifacts/packages --name atomiclru-local
#   dotnet add package AtomicLru.Extensions --version 0.1.0-local
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version="${1:-0.1.0-local}"
out=artifacts/packages
mkdir -p "$out"
for project in src/AtomicLru/AtomicLru.csproj src/AtomicLru.Extensions/AtomicLru.Extensions.csproj; do
  dotnet pack "$project" -c Release -o "$out" -p:Version="$version" -v quiet -nologo
done
ls -1 "$out"/*."$version".nupkg
