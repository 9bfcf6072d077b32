#!/usr/bin/env bash
# Compile-checks the Android app module on a machine without the Android SDK (ADR 0013):
#   1. Java stubs of the Android API the app uses, generated from the PyPI package
#      chaquopy-stubs-android (API 36) by stubgen.py, compiled with javac;
#   2. the Kotlin bindings and verivali-kotlin's main sources, compiled against JNA;
#   3. the app module's Kotlin, compiled against 1 and 2 and kotlin-stdlib;
#   4. the app's use of the JDK checked against the Java classes Android has (the wheel's
#      java-stubs): jdeps lists what the compiled app uses;
#   5. the manifest and the API levels (check_app_rules.py).
# Prints `android-app: compile check ok` and exits 0, or shows the compiler's errors and exits 1.
#
# Usage: check-app.sh CARGO_TARGET_DIR   (with debug/libverivali_core.so and debug/uniffi-bindgen built)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${1:?usage: check-app.sh CARGO_TARGET_DIR}"
kotlinc="${KOTLINC:-kotlinc-jvm}"
stubs_version="36.20260406"
cache="${VERIVALI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verivali/tools}"
wheel_dir="$cache/chaquopy-stubs-android-$stubs_version"
build="$root/android/app/build/check"
jna=/usr/share/java/jna.jar

if [ ! -d "$wheel_dir/android-stubs" ]; then
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --dest "$tmp" "chaquopy-stubs-android==$stubs_version"
  mkdir -p "$wheel_dir"
  (cd "$wheel_dir" && python3 -m zipfile -e "$tmp"/chaquopy_stubs_android-*.whl .)
  rm -rf "$tmp"
fi

rm -rf "$build" && mkdir -p "$build"/{stubs-src,stubs,generated,shell,app}
python3 "$here/stubgen.py" --stubs "$wheel_dir" --sources "$root/android/app/src/main" --out "$build/stubs-src"
javac -nowarn -encoding UTF-8 -d "$build/stubs" $(find "$build/stubs-src" -name '*.java')

"$target/debug/uniffi-bindgen" generate "$target/debug/libverivali_core.so" \
  --language kotlin --no-format --config "$root/uniffi.toml" --out-dir "$build/generated"
"$kotlinc" -nowarn -cp "$jna" -d "$build/shell" \
  $(find "$build/generated" "$root/android/verivali-kotlin/src/main" -name '*.kt') 2>&1
"$kotlinc" -nowarn -cp "$build/stubs:$build/shell:$jna" -d "$build/app" \
  $(find "$root/android/app/src/main" -name '*.kt') 2>&1

# Android has only part of the JDK: every java.*/javax.* class the app uses must be in the stubs.
# (LambdaMetafactory and StringConcatFactory come from Kotlin's invokedynamic; D8 desugars them.)
used="$(jdeps -verbose:class -cp "$build/stubs:$build/shell:$jna" "$build/app" 2>/dev/null \
  | awk '$1 ~ /^id\.verivali\./ && $2 == "->" {print $3}' | grep -E '^javax?\.' | sed 's/\$.*//' \
  | grep -v -E '^java\.lang\.invoke\.(LambdaMetafactory|StringConcatFactory)$' | sort -u)"
missing=""
for class in $used; do
  package="${class%.*}"; name="${class##*.}"
  file="$wheel_dir/${package%%.*}-stubs/$(echo "${package#*.}" | tr . /)/__init__.pyi"
  [ "$package" = "${package%%.*}" ] && file="$wheel_dir/${package}-stubs/__init__.pyi"
  grep -q "^class $name\b" "$file" 2>/dev/null || missing="$missing $class"
done
if [ -n "$missing" ]; then
  echo "android-app: the app uses JDK classes Android does not have:$missing" >&2
  exit 1
fi

python3 "$here/check_app_rules.py" "$root/android/app"
echo "android-app: compile check ok ($(find "$build/stubs-src" -name '*.java' | wc -l) stub files, $(find "$root/android/app/src/main" -name '*.kt' | wc -l) app files, $(echo "$used" | wc -w) JDK classes checked)"
