#!/usr/bin/env bash
# JavaRosa's figures for the forms the `form` benchmark uses, on this machine, for a side-by-side report:
#   tools/javarosa/bench.sh
# Fetches the pyxform 4.5.0 wheel from PyPI (it ships ODK_Validate.jar with JavaRosa 5.1.0), compiles the driver,
# and runs it once per form in a fresh JVM (so "cold" is a real first use).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${VERIVALI_TOOLS:-$HOME/.cache/verivali/tools}/javarosa"
mkdir -p "$cache"
jar="$cache/ODK_Validate.jar"
if [ ! -f "$jar" ]; then
  pip download --no-deps --quiet pyxform==4.5.0 -d "$cache"
  python3 - "$cache" <<'PY'
import glob, sys, zipfile
cache = sys.argv[1]
wheel = glob.glob(f"{cache}/pyxform-4.5.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{cache}/ODK_Validate.jar", "wb") as out:
    out.write(z.read("pyxform/validators/odk_validate/bin/ODK_Validate.jar"))
PY
fi
javac -d "$cache/classes" -cp "$jar" "$here/JavaRosaBench.java"
synth="$cache/dtks-synth.xml"
[ -f "$synth" ] || gzip -dc "$root/../shared/perf/dtks-synth.xml.gz" > "$synth"
run() { java -Xmx2g -cp "$cache/classes:$jar" JavaRosaBench "$@" 2>/dev/null | grep '^{'; }
run "$root/test-fixtures/conformance/forms/05-jr-whova/form.xml" 20 30
run "$synth" 3 5 "/data/art:/data/art[%d]/q402"
