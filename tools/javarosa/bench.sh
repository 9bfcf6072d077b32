#!/usr/bin/env bash
# JavaRosa's figures for the forms the `form` benchmark uses, on this machine, for a side-by-side report:
#   tools/javarosa/bench.sh
# Fetches the pyxform 4.5.0 wheel from PyPI (it ships ODK_Validate.jar with JavaRosa 5.1.0), compiles the driver,
# and runs it once per form in a fresh JVM (so "cold" is a real first use).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
classpath="$("$here/setup.sh")"
cache="${VERIVALI_TOOLS:-$HOME/.cache/verivali/tools}/javarosa"
synth="$cache/dtks-synth.xml"
[ -f "$synth" ] || gzip -dc "$root/test-fixtures/perf/dtks-synth.xml.gz" > "$synth"
run() { java -Xmx2g -cp "$classpath" JavaRosaBench "$@" 2>/dev/null | grep '^{'; }
run "$root/test-fixtures/conformance/forms/05-jr-whova/form.xml" 20 30
run "$synth" 3 5 "/data/art:/data/art[%d]/q402" "$root/test-fixtures/perf/dtks-synth.complete-roster.json"
