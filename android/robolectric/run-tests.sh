#!/usr/bin/env bash
# Runs the app module's Robolectric tests (android/app/src/test) on a desktop JVM: the real Android
# 16 framework (Robolectric's android-all, API 36) with the real core, the host-built
# libverivali_core.so, loaded through JNA; the upload tests talk to a real `verivali serve` on
# loopback. Also compiles the app against the real framework classes. Prints
# `robolectric: N passed, M failed` and exits non-zero when a test fails. (ADR 0013.)
#
# Usage: run-tests.sh CARGO_TARGET_DIR   (with debug/libverivali_core.so, debug/uniffi-bindgen and
#        debug/verivali built; ROBOLECTRIC_ONLY=InterviewTest,… runs those test classes only)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${1:?usage: run-tests.sh CARGO_TARGET_DIR}"
kotlinc="${KOTLINC:-kotlinc-jvm}"
cache="${VERIVALI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verivali/tools}/robolectric"
build="$root/android/app/build/robolectric"
android_all=16-robolectric-13921718

# Robolectric's API 36 sandbox needs Java 21 or newer; the compilers run on the default JDK.
java_for_tests=""
for candidate in "${ROBOLECTRIC_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 \
  /usr/lib/jvm/java-21-openjdk-amd64; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then java_for_tests="$candidate/bin/java"; break; fi
done
[ -n "$java_for_tests" ] || { echo "robolectric: needs a JDK 21 or newer (set ROBOLECTRIC_JAVA_HOME)" >&2; exit 1; }

# 1. The jars, from Maven Central once, then from the cache (offline).
if [ ! -f "$cache/lib/.complete-$android_all" ]; then
  rm -rf "$cache/lib" && mkdir -p "$cache/lib"
  mvn -q -B -f "$here/pom.xml" -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DoutputDirectory="$cache/lib"
  # Android libraries come as .aar files; the JVM needs their classes.jar.
  for aar in "$cache/lib"/*.aar; do
    [ -e "$aar" ] || continue
    unzip -p "$aar" classes.jar > "${aar%.aar}.jar" && rm "$aar"
  done
  mkdir -p "$cache/sandbox"
  mv "$cache/lib/android-all-instrumented-$android_all-i7.jar" "$cache/sandbox/"
  touch "$cache/lib/.complete-$android_all"
fi
framework="$cache/lib/android-all-$android_all.jar"
libs="$(find "$cache/lib" -name '*.jar' ! -name "android-all-$android_all.jar" | sort | tr '\n' ':')"
stdlib="$(dirname "$(dirname "$kotlinc")")/lib/kotlin-stdlib.jar"

# 2. The bindings and the presentation layer; the app against the real framework; the tests.
rm -rf "$build" && mkdir -p "$build"/{generated,shell,app,test}
"$target/debug/uniffi-bindgen" generate "$target/debug/libverivali_core.so" \
  --language kotlin --no-format --config "$root/uniffi.toml" --out-dir "$build/generated"
"$kotlinc" -nowarn -cp "$libs" -d "$build/shell" \
  $(find "$build/generated" "$root/android/verivali-kotlin/src/main" -name '*.kt') 2>&1
"$kotlinc" -nowarn -cp "$framework:$build/shell:$libs" -d "$build/app" \
  $(find "$root/android/app/src/main" -name '*.kt') 2>&1
echo "android-app: compiled against the real Android framework classes (API 36)"
"$kotlinc" -nowarn -cp "$framework:$build/shell:$build/app:$libs" -d "$build/test" \
  $(find "$root/android/app/src/test" -name '*.kt') 2>&1

# 3. A real receiver on loopback for the upload tests, with the DTKS form (tools/loopback-receiver.sh);
#    its data folder (with receiver.key) and the CLI let a test act as the pengawas (ReturnsTest).
source "$root/android/tools/loopback-receiver.sh"
start_receiver "$target" "$root/test-fixtures/forms/dtks-verivali/form.xml" "Robolectric"

# 4. The tests, offline: the sandbox jar comes from the cache, never from the network.
"$java_for_tests" --enable-native-access=ALL-UNNAMED \
  --add-opens=java.base/jdk.internal.access=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.security=ALL-UNNAMED \
  -cp "$build/test:$build/app:$build/shell:$libs:$stdlib:$framework" \
  -Drobolectric.offline=true -Drobolectric.dependency.dir="$cache/sandbox" \
  -Djna.library.path="$target/debug" \
  -Dverivali.receiver="$receiver_url" -Dverivali.token="$token" -Dverivali.pengawasToken="$pengawas_token" \
  -Dverivali.receiverDir="$receiver_dir" -Dverivali.cli="$target/debug/verivali" \
  ${ROBOLECTRIC_ONLY:+-Dverivali.only="$ROBOLECTRIC_ONLY"} -Dverivali.screenshots="$build/screens" -Dverivali.photos="$root/test-fixtures/photos" \
  id.verivali.app.RunRobolectricTestsKt
