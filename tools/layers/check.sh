#!/usr/bin/env bash
# The engine (verivali-form) and the rules (verivali-rules) do no I/O (docs/architecture.md): this
# fails when a crate that does I/O, or one that talks across the FFI, enters either one's
# dependency tree (normal and build dependencies; tests may use what they like).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Crates that reach SQLite, the network, the FFI, the OS's randomness or a log sink.
forbidden=(rusqlite libsqlite3-sys ureq rustls reqwest hyper tiny_http uniffi uniffi_core
  getrandom rand rand_core tracing tracing-subscriber log tokio async-std mio socket2 jni)

status=0
for crate in verivali-form verivali-rules; do
  deps=$(cargo tree --locked -p "$crate" -e normal,build --prefix none --format '{p}' |
    awk '{print $1}' | sort -u)
  for bad in "${forbidden[@]}"; do
    if grep -qx -- "$bad" <<<"$deps"; then
      path=$(cargo tree --locked -p "$crate" -e normal,build -i "$bad" --prefix none \
        --format '{p}' 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
      echo "LAYER BROKEN: $crate depends on $bad (via: $path)" >&2
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "layers: verivali-form and verivali-rules depend on no I/O crate"
exit $status
