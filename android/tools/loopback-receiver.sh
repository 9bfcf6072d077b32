# Sourced by the JVM and Robolectric test scripts: starts a real `verivali serve` on a free
# loopback port for their upload tests, with FORM published, the sample prelist added, a device
# token for Nusa Tenggara Barat (52) and a pengawas's token for the same area (the team's
# interviews). Its throwaway database is encrypted with a key made for this run; it stops, and its
# folder goes, when the calling script exits.
# Usage: start_receiver CARGO_TARGET_DIR FORM ENUMERATOR   (sets receiver_url, token and pengawas_token)
start_receiver() {
  local target="$1" form="$2" enumerator="$3"
  local fixtures
  fixtures="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../test-fixtures" && pwd)"
  receiver_dir="$(mktemp -d)"
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$receiver_dir/receiver.key"
  local verivali=("$target/debug/verivali" --data "$receiver_dir" --key-file "$receiver_dir/receiver.key")
  "${verivali[@]}" serve form add "$form" >/dev/null
  "${verivali[@]}" serve prelist add "$fixtures/prelist/sample.jsonl" >/dev/null
  token="$("${verivali[@]}" serve token add --enumerator "$enumerator" --area 52 | awk '{print $NF}')"
  pengawas_token="$("${verivali[@]}" serve token add --pengawas --enumerator "Pengawas $enumerator" --area 52 | awk '{print $NF}')"
  "${verivali[@]}" serve --port 0 2>"$receiver_dir/serve.log" &
  receiver_pid=$!
  trap 'kill "$receiver_pid" 2>/dev/null; rm -rf "$receiver_dir"' EXIT
  for _ in $(seq 50); do grep -q "http://" "$receiver_dir/serve.log" 2>/dev/null && break; sleep 0.1; done
  receiver_url="$(grep -o 'http://[0-9.:]*' "$receiver_dir/serve.log" | head -1)"
  [ -n "$receiver_url" ] || { echo "the receiver did not start:" >&2; cat "$receiver_dir/serve.log" >&2; exit 1; }
}
