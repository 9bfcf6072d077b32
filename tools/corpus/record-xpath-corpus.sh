#!/usr/bin/env bash
# Re-extracts and re-records the XPath conformance corpora that come from public test suites
# (test-fixtures/conformance/xpath/{enketo-oxe,webforms-xpath,javarosa-more}.cases.jsonl; see SOURCES-xpath.md there).
# A maintainer tool: it needs git, node/npm (npm registry), Java 17 and python3, and network for the clones and
# npm installs (not for CI). JavaRosa's answers are recorded live by tools/javarosa/XPathRun (JavaRosa 5.1.0).
#
# Usage: tools/corpus/record-xpath-corpus.sh [oxe|webforms|javarosa|all]   (default all)
# Environment: WORK (scratch dir, default a new mktemp dir); OXE_GIT, ENKETO_GIT, WEBFORMS_GIT, JAVAROSA_GIT may name
# existing clones or bare git dirs of the repositories to use instead of cloning.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/test-fixtures/conformance/xpath"
what="${1:-all}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"

OXE_COMMIT=06283d13819492e6677ac8f2170e016ee1e14c32       # enketo/openrosa-xpath-evaluator (2.0.13+1)
ENKETO_COMMIT=f0f974cdfc4b1ae0858bf33203915726e5d5b65e    # enketo/enketo (packages/openrosa-xpath-evaluator 3.2.3)
WEBFORMS_COMMIT=121c75b55a0547a59d754a18a5777ba5cb20fe14  # getodk/web-forms (packages/xpath 0.11.0)
JAVAROSA_COMMIT=d686d1bc985859f5a2789178fc32ea3595dfe316  # getodk/javarosa (v5.1.0-16)

# export_tree REPO_URL GIT_DIR_OR_EMPTY COMMIT DEST [PATH...]: the tree (or some paths) of COMMIT into DEST.
export_tree() {
  local url="$1" git="$2" commit="$3" dest="$4"; shift 4
  if [ -z "$git" ]; then
    git="$WORK/$(basename "$url").git"
    [ -d "$git" ] || git clone --quiet --bare --filter=blob:none "$url" "$git"
  fi
  mkdir -p "$dest"
  git --git-dir="$(git -C "$git" rev-parse --absolute-git-dir 2>/dev/null || echo "$git")" archive "$commit" "$@" | tar -x -C "$dest"
}

oxe() {
  local deps="$WORK/oxe-deps"
  mkdir -p "$deps"
  (cd "$deps" && [ -d node_modules/mocha ] || { npm init -y >/dev/null;
    npm install --no-audit --no-fund mocha@9.2.2 chai@4.5.0 jsdom@22.1.0 node-forge@1.4.4 lodash@4.18.1 sinon@11.1.2; })
  # run_mocha NAME REPO_URL GIT COMMIT SUBDIR
  run_mocha() {
    local name="$1" dir="$WORK/$1"
    rm -rf "$dir" && export_tree "$2" "$3" "$4" "$dir" ${5:+"$5"}
    [ -n "${5:-}" ] && dir="$dir/$5"
    ln -sfn "$deps/node_modules" "$dir/node_modules"
    rm -f "$WORK/$name.raw.jsonl"
    (cd "$dir" && OXE_RECORD_OUT="$WORK/$name.raw.jsonl" OXE_REPO="$dir" NODE_PATH="$deps/node_modules" \
      TZ=America/Phoenix node_modules/.bin/mocha --require "$here/oxe-record-hook.js" --reporter dot \
      'test/integration/**/*.spec.js' >"$WORK/$name.mocha.log" 2>&1 || true)
    grep -E "passing|failing|pending" "$WORK/$name.mocha.log" >&2
  }
  run_mocha oxe https://github.com/enketo/openrosa-xpath-evaluator "${OXE_GIT:-}" "$OXE_COMMIT"
  run_mocha enketo https://github.com/enketo/enketo "${ENKETO_GIT:-}" "$ENKETO_COMMIT" packages/openrosa-xpath-evaluator
  python3 "$here/oxe_cases.py" "enketo/openrosa-xpath-evaluator" "$WORK/oxe.raw.jsonl" \
    "enketo/enketo packages/openrosa-xpath-evaluator" "$WORK/enketo.raw.jsonl" >"$WORK/oxe.cand.jsonl"
  python3 "$here/record_cases.py" oxe expected_enketo "$WORK/oxe.cand.jsonl" "$out/enketo-oxe.cases.jsonl"
}

webforms() {
  local dir="$WORK/webforms"
  rm -rf "$dir" && export_tree https://github.com/getodk/web-forms "${WEBFORMS_GIT:-}" "$WEBFORMS_COMMIT" "$dir" \
    packages/xpath/test packages/common/src packages/common/test-utils packages/common/types
  local pkg="$dir/packages/xpath"
  (cd "$pkg" && npm init -y >/dev/null && npm install --no-audit --no-fund vitest@3.2.7 jsdom@26.1.0 >/dev/null)
  mkdir -p "$pkg/test-record" && cp "$here/webforms-recording-helpers.ts" "$pkg/test-record/helpers.ts"
  cp "$here/webforms-recording-setup.ts" "$pkg/test-record/setup.ts"
  # The upstream tsconfig extends the package's; the tests only need these options.
  echo '{"include": ["./**/*.ts"], "compilerOptions": {"target": "ES2022", "module": "ESNext",
    "moduleResolution": "Bundler", "allowImportingTsExtensions": true}}' >"$pkg/test/tsconfig.json"
  cat >"$pkg/vitest.record.config.mjs" <<'EOF'
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
const stub = fileURLToPath(new URL('./test-record/helpers.ts', import.meta.url));
const common = fileURLToPath(new URL('../common/', import.meta.url));
export default defineConfig({
  resolve: { alias: [
    { find: /^\.\.?\/helpers(\.ts)?$/, replacement: stub },
    { find: /^@getodk\/common\/test-utils\//, replacement: common + 'test-utils/' },
    { find: /^@getodk\/common\/types\//, replacement: common + 'types/' },
    { find: /^@getodk\/common\//, replacement: common + 'src/' },
  ] },
  test: { environment: 'jsdom', include: ['test/**/*.test.ts'], setupFiles: ['./test-record/setup.ts'],
    sequence: { shuffle: false }, pool: 'forks', poolOptions: { forks: { singleFork: true } } },
});
EOF
  rm -f "$WORK/webforms.raw.jsonl"
  (cd "$pkg" && WF_RECORD_OUT="$WORK/webforms.raw.jsonl" WF_REPO="$dir" TZ=America/Phoenix \
    node_modules/.bin/vitest run --config vitest.record.config.mjs --reporter=dot >"$WORK/webforms.vitest.log" 2>&1 || true)
  python3 "$here/webforms_cases.py" "$WORK/webforms.raw.jsonl" "getodk/web-forms" "$out/enketo-oxe.cases.jsonl" \
    "$out/javarosa-evaltest.cases.jsonl" >"$WORK/webforms.cand.jsonl"
  python3 "$here/record_cases.py" wf expected_webforms "$WORK/webforms.cand.jsonl" "$out/webforms-xpath.cases.jsonl"
}

javarosa() {
  local git="${JAVAROSA_GIT:-}"
  if [ -z "$git" ]; then
    git="$WORK/javarosa.git"
    [ -d "$git" ] || git clone --quiet --bare --filter=blob:none https://github.com/getodk/javarosa "$git"
  fi
  python3 "$here/javarosa_more_cases.py" "$git" "$JAVAROSA_COMMIT" >"$WORK/javarosa-more.cand.jsonl"
  python3 "$here/record_cases.py" jrm expected "$WORK/javarosa-more.cand.jsonl" "$out/javarosa-more.cases.jsonl"
}

case "$what" in
  oxe) oxe ;;
  webforms) webforms ;;
  javarosa) javarosa ;;
  all) oxe; webforms; javarosa ;;
  *) echo "unknown target $what" >&2; exit 2 ;;
esac
echo "scratch: $WORK" >&2
