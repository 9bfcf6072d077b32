#!/usr/bin/env bash
# Generates the Kotlin bindings from the host-built core, compiles them with the JVM tests, and
# runs the tests against that library through JNA. No Android SDK is involved.
#
# Usage: run-jvm-tests.sh TARGET_DIR   (the cargo target dir holding debug/libverivali_core.so and
#        debug/verivali, the CLI that serves as the upload tests' receiver)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${1:?usage: run-jvm-tests.sh CARGO_TARGET_DIR}"
lib_dir="$target/debug"
kotlinc="${KOTLINC:-kotlinc-jvm}"
jars="/usr/share/java/jna.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar"
build="$here/build/jvm"

rm -rf "$build" && mkdir -p "$build/generated" "$build/classes"
"$target/debug/uniffi-bindgen" generate "$lib_dir/libverivali_core.so" \
  --language kotlin --no-format --config "$root/uniffi.toml" --out-dir "$build/generated"

"$kotlinc" -nowarn -cp "$jars" -d "$build/classes" \
  $(find "$build/generated" "$here/src" -name '*.kt')

# A real receiver on loopback for the upload tests: `verivali serve` with the mini form and the
# sample prelist, and a device token for Nusa Tenggara Barat (52). Its throwaway database is
# encrypted with a key made for this run.
receiver_dir="$(mktemp -d)"
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$receiver_dir/receiver.key"
verivali=("$target/debug/verivali" --data "$receiver_dir" --key-file "$receiver_dir/receiver.key")
"${verivali[@]}" serve form add "$root/test-fixtures/forms/mini-verivali/form.xml" >/dev/null
"${verivali[@]}" serve prelist add "$root/test-fixtures/prelist/sample.jsonl" >/dev/null
token="$("${verivali[@]}" serve token add --enumerator "JVM test" --area 52 | awk '{print $NF}')"
"${verivali[@]}" serve --port 0 2>"$receiver_dir/serve.log" &
receiver_pid=$!
trap 'kill "$receiver_pid" 2>/dev/null; rm -rf "$receiver_dir"' EXIT
for _ in $(seq 50); do grep -q "http://" "$receiver_dir/serve.log" 2>/dev/null && break; sleep 0.1; done
receiver_url="$(grep -o 'http://[0-9.:]*' "$receiver_dir/serve.log" | head -1)"
[ -n "$receiver_url" ] || { echo "the receiver did not start:" >&2; cat "$receiver_dir/serve.log" >&2; exit 1; }

java -cp "$build/classes:$jars:$(dirname "$(dirname "$kotlinc")")/lib/kotlin-stdlib.jar" \
  -Dverivali.receiver="$receiver_url" \
  -Dverivali.token="$token" \
  -Djna.library.path="$lib_dir" \
  -Dverivali.sample="$root/test-fixtures/prelist/sample.jsonl" \
  -Dverivali.photos="$root/test-fixtures/photos" \
  -Dverivali.dtksForm="$root/test-fixtures/forms/dtks-verivali/form.xml" \
  -Dverivali.miniForm="$root/test-fixtures/forms/mini-verivali/form.xml" \
  id.verivali.core.RunJvmTestsKt
