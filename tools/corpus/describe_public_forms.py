#!/usr/bin/env python3
"""Writes test-fixtures/conformance/public-forms/README.md (the table) from each directory's origin.json,
form.xml features and scenario files.

  tools/corpus/describe_public_forms.py test-fixtures/conformance/public-forms [load-check.json] [record-log.json]
"""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from form_features import features
from corpus_layout import form_dirs, scenario_names

out = sys.argv[1]
import subprocess
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
jrrun = "git blob " + subprocess.run(["git", "hash-object", "tools/javarosa/JavaRosaRun.java"], cwd=root, capture_output=True, text=True).stdout.strip()[:12]
load_check = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else {}
record_log = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else json.load(open(os.path.join(out, "record-log.json"))) if os.path.exists(os.path.join(out, "record-log.json")) else {}

rows, counts, n_scen = [], {}, 0
for d, dd in form_dirs(out):
    origin = json.load(open(os.path.join(dd, "origin.json")))
    scen = scenario_names(dd)
    scen = [s for s in ("load", "fill", "change") if s in scen] + [s for s in scen if s not in ("load", "fill", "change")]
    if not scen:
        continue
    n_scen += len(scen)
    src = "javarosa" if origin["repo"] == "getodk/javarosa" else "pyxform"
    counts[src] = counts.get(src, 0) + 1
    feats = features(open(os.path.join(dd, "form.xml"), encoding="utf-8", errors="replace").read())
    feats = [f for f in feats if f not in ("readonly", "preload", "itext")] or ["plain questions"]
    conv = " (converted with pyxform 4.5.0)" if origin.get("converted") else ""
    rows.append(f"| {d} | {origin['repo']} : `{origin['path']}` @ {origin['commit'][:8]}{conv} | {origin['licence']} | {', '.join(feats)} | {', '.join(scen)} |")

dropped_load = {k: v["why"] for k, v in load_check.items() if not v.get("ok")}
notes = {k: v for k, v in record_log.items() if v}

readme = f"""# Public forms with generated scenarios (JavaRosa 5.1.0, recorded live)

{len(rows)} public XForms ({counts.get('javarosa', 0)} from getodk/javarosa's test resources, {counts.get('pyxform', 0)} XLSForms from
XLSForm/pyxform's tests converted with pyxform 4.5.0), {n_scen} scenarios. Same layout and formats as `../forms/`
(see `../README.md`): `form.xml`, the XLSForm `source.*` for converted forms, the files a form reads through
`jr://file/` or `jr://file-csv/` when its repository holds them (served by `tools/javarosa/FormMedia.java`),
`origin.json` (repository, path, commit, licence, media), `scenario.<s>.json` and `expected.<s>.javarosa.json`.
Expectations were recorded with `tools/javarosa/JavaRosaRun.java` as of JAVAROSARUN (FormMedia registered,
typed select_multiple answers, choices computed while paging, the scenario's zone).

Scenarios are generated, not hand-written (`tools/javarosa/ScenarioGen.java`, seed 1): JavaRosa's
FormEntryController walks the form as a user would; every relevant, writable question it meets is answered with a
plausible value of its type (text `abc`, small integers, `2.5`, `2026-12-07`, `10:30:00.000Z`,
`-6.2 106.8 10 5`, the first or second choice, two choices of a select_multiple; when a constraint rejects a
value the next candidate is tried, so rejected answers stay in the steps as `constraint_violated`), each repeat it
can add gets one or two instances, uploads are skipped.

* `load`: no steps, initial snapshot only.
* `fill`: the generated answers (absent when the walk met no writable question).
* `change` (every third form, and every form with a repeat and a select or whose `fill` adds repeat instances,
  when there is something to change): `fill`, then an earlier select_one changed to another choice, an earlier
  text/number/date changed, a select that is not required cleared (`""`), and the first instance of a repeat the
  walk added to removed (a top-level one with two instances if any).

Clearing goes only to selects that are not required: `JavaRosaRun` commits `""` to a text or select_one question
as `StringData("")`, not `null`, so clearing a required one records `ok` where ODK Collect (whose widgets give
`null`) reports `required_but_empty`. A repeat instance is removed only when it holds no nested repeat: JavaRosa's
test `Scenario.removeRepeat` deletes the repeat of the instance's first child with a form index, which would be
the nested instance.

Refs carry `[n]` on repeat instances, and `[1]` on the groups above a repeat (`/data/g[1]/rep[2]/q`), which
JavaRosa's test Scenario needs to resolve them.

`nondeterministic_refs`: leaves whose value differed between two fresh loads, `jr:preload` nodes, calculates and
setvalue targets calling `now()`, `today()`, `uuid()` or `random()` and calculates reading those (one level). Each
expectation was recorded twice; a scenario whose runs differed after masking (by shape) was dropped. Values derived
from the clock through a chain of calculates (e.g. an age from `today()`) may still change from day to day: the
recordings were made on 2026-12-07 (UTC).

Re-record (Java 17, Python 3, `pip install pyxform==4.5.0`, network for the repository clones):
```
git clone --bare https://github.com/getodk/javarosa /tmp/javarosa.git          # recorded at d686d1bc
git clone --bare https://github.com/XLSForm/pyxform /tmp/pyxform.git           # recorded at 51e5bfec
tools/corpus/collect_public_forms.py /tmp/javarosa.git /tmp/pyxform.git /tmp/cand
export VERIVALI_TOOLS=/tmp/vtools   # optional: a private class cache, safe from concurrent recompiles
tools/corpus/record_public_forms.py check /tmp/cand
tools/corpus/record_public_forms.py record /tmp/cand test-fixtures/conformance/public-forms $(cat tools/corpus/public-forms.selection)
tools/corpus/describe_public_forms.py test-fixtures/conformance/public-forms /tmp/cand/load-check.json
# compare the Verivali CLI with the recordings (tools/conformance's diff, for every scenario):
tools/corpus/compare_public_forms.py [path/to/verivali] > /tmp/report.json
# only the expectations, from the scenarios already here:
tools/corpus/record_public_forms.py rerecord test-fixtures/conformance/public-forms
```

| dir | origin (repository : path @ commit) | licence | exercises | scenarios |
|---|---|---|---|---|
""".replace("JAVAROSARUN", jrrun) + "\n".join(rows) + "\n"

if dropped_load:
    readme += "\n## Candidates not included: JavaRosa 5.1.0 cannot load them, or they need files that are not here\n\n"
    readme += "| candidate | why |\n|---|---|\n" + "\n".join(f"| {k} | {v.splitlines()[0][:200].replace('|', '/')} |" for k, v in sorted(dropped_load.items())) + "\n"
skipped_path = os.path.join(os.path.dirname(sys.argv[2]), "collect-skipped.json") if len(sys.argv) > 2 else ""
if skipped_path and os.path.exists(skipped_path):
    skipped = json.load(open(skipped_path))
    readme += "\n## Repository files not taken as candidates\n\n| file | why |\n|---|---|\n" + "\n".join(f"| `{k}` | {v[:200].replace('|', '/')} |" for k, v in sorted(skipped.items())) + "\n"
if notes:
    readme += "\n## Scenarios not generated or dropped\n\n| dir | note |\n|---|---|\n" + "\n".join(f"| {k} | {'; '.join(v).replace('|', '/')[:300]} |" for k, v in sorted(notes.items())) + "\n"
open(os.path.join(out, "README.md"), "w").write(readme)
print(f"{len(rows)} forms {counts} {n_scen} scenarios", file=sys.stderr)
