#!/usr/bin/env bash
# Packs AtomicLru and AtomicLru.Extensions (.nupkg and .snupkg) into artifacts/packages, with the version that
# Directory.Build.props sets, or that version's prefix with another prerelease suffix:
#   build/pack.sh                  -> 0.1.0-preview.1 (as Directory.Build.props says)
#   build/pack.sh dev.5            -> 0.1.0-dev.5 (a version NuGet has not cached yet, for a local rebuild)
# then, in your project's folder:
#   dotnet new nugetconfig                           (if it has none)
#   dotnet nuget add source <this repository>/artifacts/packages --name atomiclru-local
#   dotnet add package AtomicLru.Extensions --prerelease
# NuGet caches a package by id and version: repacking the same version does not replace what a project has already
# restored (clear it with `dotnet nuget locals global-packages --clear`, or pack with a new suffix).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=artifacts/packages
mkdir -p "$out"
suffix=()
[ $# -gt 0 ] && suffix=(-p:VersionSuffix="$1")
for project in src/AtomicLru/AtomicLru.csproj src/AtomicLru.Extensions/AtomicLru.Extensions.csproj; do
  # ContinuousIntegrationBuild: deterministic, with source paths mapped to /_/ in the symbols.
  dotnet pack "$project" -c Release -o "$out" "${suffix[@]}" -p:ContinuousIntegrationBuild=true -v quiet -nologo
done
version=$(dotnet msbuild src/AtomicLru/AtomicLru.csproj -getProperty:PackageVersion "${suffix[@]}")
ls -1 "$out"/*."$version".nupkg "$out"/*."$version".snupkg
