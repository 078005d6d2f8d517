#!/usr/bin/env bash
# Builds the whole solution (warnings are errors) and runs every test project.
# This is the README's test command and what CI runs (.ci/run). It needs only the .NET SDK that
# global.json names; NuGet packages restore from the configured feed.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build AtomicLru.Extensions.sln -c Release
dotnet test AtomicLru.Extensions.sln -c Release --no-build \
  --logger "console;verbosity=normal" --blame-hang-timeout 5m
