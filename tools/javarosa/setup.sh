#!/usr/bin/env bash
# Prints the Java classpath for our JavaRosa drivers, fetching the pyxform 4.5.0 wheel from PyPI (it ships
# ODK_Validate.jar with JavaRosa 5.1.0) and compiling the drivers the first time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${VERIVALI_TOOLS:-$HOME/.cache/verivali/tools}/javarosa"
mkdir -p "$cache/classes"
jar="$cache/ODK_Validate.jar"
if [ ! -f "$jar" ]; then
  pip download --no-deps --quiet pyxform==4.5.0 -d "$cache" >&2
  python3 - "$cache" <<'PY'
import glob, sys, zipfile
cache = sys.argv[1]
wheel = glob.glob(f"{cache}/pyxform-4.5.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{cache}/ODK_Validate.jar", "wb") as out:
    out.write(z.read("pyxform/validators/odk_validate/bin/ODK_Validate.jar"))
PY
fi
for source in "$here"/*.java; do
  class="$cache/classes/$(basename "$source" .java).class"
  if [ ! -f "$class" ] || [ "$source" -nt "$class" ]; then
    # The drivers share code, so they are compiled together.
    javac -nowarn -d "$cache/classes" -cp "$jar" "$here"/*.java >&2
    break
  fi
done
echo "$cache/classes:$jar"
