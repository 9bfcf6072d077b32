#!/usr/bin/env bash
# Regenerates the DTKS verivali form in test-fixtures/forms/dtks-verivali/ from its sources:
#   - provinsi.csv, kabupaten.csv, kecamatan.csv, desa.csv  <- test-fixtures/wilayah/ (build_wilayah_csv.py)
#   - form.xml                                               <- form.md (pyxform, ODK Validate on)
# and checks that test-fixtures/prelist/sample.jsonl preloads into it (check_prelist.py).
#
#   tools/forms/generate.sh           rewrite the generated files
#   tools/forms/generate.sh --check   regenerate into a temporary folder; exit 1 if the committed files differ
#
# Needs python3 (with pip; venv preferred) and java (8+) on PATH. pyxform is installed on first use into
# $VERIVALI_TOOLS_CACHE/pyxform-venv (default ~/.cache/verivali/tools, or $XDG_CACHE_HOME/verivali/tools).
set -euo pipefail

PYXFORM_VERSION=4.5.0
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
form_dir="$root/test-fixtures/forms/dtks-verivali"
generated=(form.xml provinsi.csv kabupaten.csv kecamatan.csv desa.csv)

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "generate.sh: $*" >&2; exit 1; }

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

command -v python3 >/dev/null || die "python3 not found"
command -v java >/dev/null || die "java not found: pyxform runs ODK Validate (Java 8+) on the form"

# pyxform, pinned, in its own environment.
cache="${VERIVALI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verivali/tools}"
venv="$cache/pyxform-venv"
has_pyxform() {
  "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pyxform') != '$PYXFORM_VERSION')" \
    >/dev/null 2>&1
}
if ! has_pyxform; then
  echo "generate.sh: installing pyxform==$PYXFORM_VERSION into $venv" >&2
  mkdir -p "$cache"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # No venv module (e.g. Debian without python3-venv): a plain environment with pip's own bootstrap.
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv" || die "cannot create a Python environment in $venv"
    python3 -m pip --python "$venv/bin/python" install --quiet --disable-pip-version-check "pyxform==$PYXFORM_VERSION" \
      || die "cannot install pyxform==$PYXFORM_VERSION (needs pip >= 22.3 for --python)"
  else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyxform==$PYXFORM_VERSION" \
      || die "cannot install pyxform==$PYXFORM_VERSION into $venv"
  fi
  has_pyxform || die "pyxform==$PYXFORM_VERSION is not importable from $venv"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

python3 "$here/build_wilayah_csv.py" "$root/test-fixtures/wilayah" "$out"
"$venv/bin/python" "$here/xlsform_to_xform.py" "$form_dir/form.md" "$out/form.xml"
python3 "$here/check_prelist.py" "$out/form.xml" "$root/test-fixtures/prelist/sample.jsonl"

if $check; then
  stale=()
  for f in "${generated[@]}"; do
    cmp -s "$out/$f" "$form_dir/$f" || stale+=("$f")
  done
  if [ ${#stale[@]} -gt 0 ]; then
    echo "generate.sh --check: out of date in test-fixtures/forms/dtks-verivali/: ${stale[*]}" >&2
    for f in "${stale[@]}"; do
      if [ -f "$form_dir/$f" ]; then
        diff -u "$form_dir/$f" "$out/$f" --label "committed/$f" --label "regenerated/$f" | head -n 20 >&2 || true
      else
        echo "  $f is missing" >&2
      fi
    done
    echo "Run tools/forms/generate.sh and commit the result (form.md and test-fixtures/wilayah are the sources)." >&2
    exit 1
  fi
  echo "generate.sh --check: form.xml and the region CSVs match form.md and test-fixtures/wilayah"
else
  for f in "${generated[@]}"; do
    cp "$out/$f" "$form_dir/$f"
  done
  echo "generate.sh: wrote ${generated[*]} in test-fixtures/forms/dtks-verivali/"
fi
