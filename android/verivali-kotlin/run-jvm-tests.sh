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

# A real receiver on loopback for the upload tests (tools/loopback-receiver.sh).
source "$root/android/tools/loopback-receiver.sh"
start_receiver "$target" "$root/test-fixtures/forms/mini-verivali/form.xml" "JVM test"

java -cp "$build/classes:$jars:$(dirname "$(dirname "$kotlinc")")/lib/kotlin-stdlib.jar" \
  -Dverivali.receiver="$receiver_url" \
  -Dverivali.token="$token" \
  -Dverivali.pengawasToken="$pengawas_token" \
  -Djna.library.path="$lib_dir" \
  -Dverivali.sample="$root/test-fixtures/prelist/sample.jsonl" \
  -Dverivali.photos="$root/test-fixtures/photos" \
  -Dverivali.dtksForm="$root/test-fixtures/forms/dtks-verivali/form.xml" \
  -Dverivali.miniForm="$root/test-fixtures/forms/mini-verivali/form.xml" \
  id.verivali.core.RunJvmTestsKt
