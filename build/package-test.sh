#!/usr/bin/env bash
# Checks the packages as a user gets them: packs both (a version no NuGet cache holds yet), then
#  1. creates a fresh console app from the SDK's template in a temporary folder, outside this repository, adds
#     AtomicLru.Extensions from the packed folder, calls AddAtomicLru from appsettings.json and runs it; and runs it
#     once more with a misspelt key, which must stop it naming the key;
#  2. publishes a small native AOT app (AddAtomicLru, IAtomicLruCache with a source-generated JsonSerializerContext,
#     IAtomicLruStorage<T>), fails on any trim or AOT warning, and runs the binary.
# Needs clang and zlib for native AOT; installs them from Debian's packages when missing. build/test.sh runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

suffix="test.$(date +%s)"
feed=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$feed" "$work"' EXIT
for project in src/AtomicLru/AtomicLru.csproj src/AtomicLru.Extensions/AtomicLru.Extensions.csproj; do
  dotnet pack "$project" -c Release -o "$feed" -p:VersionSuffix="$suffix" -v quiet -nologo
done
version=$(dotnet msbuild src/AtomicLru/AtomicLru.csproj -getProperty:PackageVersion -p:VersionSuffix="$suffix")
ls "$feed/AtomicLru.$version.snupkg" "$feed/AtomicLru.Extensions.$version.snupkg" >/dev/null
extensions=$(grep -o 'Include="Microsoft.Extensions.Options" Version="[^"]*"' Directory.Packages.props | sed -E 's/.*Version="([^"]*)"/\1/')

# The local folder is added to the user's sources, not in place of them.
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><add key="atomiclru-packed" value="$feed" /></packageSources></configuration>
XML

# new_app NAME PROGRAM PACKAGE...: a console app from the SDK's template in $work/NAME, with AtomicLru.Extensions from
# the packed folder, the Microsoft.Extensions PACKAGEs at the version this repository uses, and PROGRAM as Program.cs.
new_app() {
  local name=$1 program=$2
  shift 2
  dotnet new console -o "$work/$name" -v q >/dev/null
  dotnet add "$work/$name" package AtomicLru.Extensions --version "$version" >/dev/null
  for package in "$@"; do
    dotnet add "$work/$name" package "$package" --version "$extensions" >/dev/null
  done
  cp "$repo/build/package-test/$program" "$work/$name/Program.cs"
}

echo "package test: a fresh console app consumes AtomicLru.Extensions $version"
new_app Consume ConsumeProgram.cs Microsoft.Extensions.Hosting
(
  cd "$work/Consume"
  cp "$repo/build/package-test/appsettings.json" appsettings.json
  output=$(dotnet run -c Release 2>&1) || { echo "$output"; exit 1; }
  echo "$output"
  grep -q "consumed: 42 ada 7 True" <<<"$output"
  if mistake=$(dotnet run -c Release --no-build -- --AtomicLru:MaxItem=5 2>&1); then
    echo "a misspelt key did not stop the app"; exit 1
  fi
  grep -q "AtomicLru:MaxItem is not an AtomicLru option; did you mean MaxItems?" <<<"$mistake" \
    || { echo "$mistake"; echo "the misspelt key was not named"; exit 1; }
  echo "package test: a misspelt key stops the app, naming it"
)

if ! command -v clang >/dev/null 2>&1 && ! ls /usr/bin/clang-[0-9]* >/dev/null 2>&1 || [ ! -e /usr/lib/x86_64-linux-gnu/libz.so ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq clang zlib1g-dev >/dev/null 2>&1 || {
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq clang zlib1g-dev
  }
fi
linker=clang
command -v clang >/dev/null 2>&1 || linker=$(basename "$(ls /usr/bin/clang-[0-9]* | sort -V | tail -1)")

echo "package test: native AOT publish with AtomicLru.Extensions $version ($linker)"
new_app Aot AotProgram.cs Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Configuration
(
  cd "$work/Aot"
  output=$(dotnet publish -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker="$linker" -o out 2>&1) \
    || { echo "$output"; exit 1; }
  if grep -E "warning (IL|CS)[0-9]+" <<<"$output"; then
    echo "the native AOT publish warned"; exit 1
  fi
  result=$(./out/Aot)
  echo "$result"
  grep -q "aot: Point { X = 3, Y = 4 } True memory distributed refused" <<<"$result"
)
echo "package test: passed"
