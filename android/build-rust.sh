#!/usr/bin/env bash
# Builds the Rust core for the phone ABIs into verivali-kotlin/build/jniLibs and generates the
# Kotlin bindings into verivali-kotlin/build/generated/uniffi. Needs the Android NDK
# (ANDROID_NDK_HOME) and cargo-ndk (`cargo install cargo-ndk`); Gradle runs it before each build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/verivali-kotlin/build"
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
(cd "$root" && cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -P 24 -o "$out/jniLibs" \
  build --release --locked -p verivali-core)
# Bindings from the unstripped arm64 library (stripping first would leave them empty).
(cd "$root" && cargo build --release --locked -p uniffi-bindgen)
"${CARGO_TARGET_DIR:-$root/target}/release/uniffi-bindgen" generate \
  "${CARGO_TARGET_DIR:-$root/target}/aarch64-linux-android/release/libverivali_core.so" \
  --language kotlin --no-format --config "$root/uniffi.toml" --out-dir "$out/generated/uniffi"
