#!/usr/bin/env python3
"""Runs the Verivali CLI on every scenario of a corpus directory and diffs it against the recorded JavaRosa output
with the comparison of tools/conformance (its Python part, read from that script, so both stay the same).

  tools/corpus/compare_public_forms.py [BINARY] [CORPUS_DIR] > report.json
BINARY defaults to $HOME/.cache/verivali/target/debug/verivali, CORPUS_DIR to test-fixtures/conformance/public-forms.
"""
import collections, json, os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_layout import expected_path, form_dirs, scenario_names, scenario_path

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/verivali/target/debug/verivali")
corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "test-fixtures/conformance/public-forms")
script = open(os.path.join(root, "tools/conformance")).read()
differ = script.split("<<'PY'\n", 1)[1].rsplit("\nPY", 1)[0]

def classify(line):
    line = re.sub(r"\[\d+\]", "[n]", line)
    if line.startswith("load:"):
        return "load: " + line.split(":", 1)[1].strip()[:60]
    if line.startswith("step"):
        m = re.search(r"(\w+) \S+: ours (\S+), JavaRosa (\S+)", line)
        return f"step {m.group(1)} result ours {m.group(2)} vs JavaRosa {m.group(3)}" if m else "step result"
    if "nodes differ" in line:
        return "node set differs"
    if "submission XML" in line:
        return "submission XML differs"
    m = re.match(r"(\w+): \S+ (value|relevant|required|readonly):", line)
    if m:
        return f"{m.group(2)} differs"
    return line[:80]

results, classes, form_ok = {}, collections.Counter(), {}
examples = collections.defaultdict(list)
with tempfile.TemporaryDirectory() as tmp:
    for d, dd in form_dirs(corpus):
        for name in scenario_names(dd):
            scenario = scenario_path(dd, name)
            expected = expected_path(dd, name)
            ours = os.path.join(tmp, "ours.json")
            try:
                r = subprocess.run([binary, "form", "run", os.path.join(dd, "form.xml")], stdin=open(scenario),
                                   capture_output=True, text=True, timeout=120)
                open(ours, "w").write(r.stdout)
                json.loads(r.stdout)
            except Exception as e:
                problems = [f"engine: crashed or no JSON ({type(e).__name__}; exit {getattr(r, 'returncode', '?')}: {(r.stderr or '').strip()[:200]})"]
            else:
                c = subprocess.run([sys.executable, "-", scenario, ours, expected], input=differ, capture_output=True, text=True)
                problems = [l for l in c.stdout.splitlines() if not l.startswith("conformance:")]
                if c.returncode not in (0, 1):
                    problems = [f"diff failed: {c.stderr.strip().splitlines()[-1:]}"]
            key = f"{d}/{name}"
            results[key] = problems
            form_ok[d] = form_ok.get(d, True) and not problems
            seen = set()
            for p in problems:
                k = classify(p) if not p.startswith("engine:") else "engine crashed / no JSON"
                if k not in seen:
                    classes[k] += 1
                    seen.add(k)
                    if len(examples[k]) < 4:
                        examples[k].append(f"{key}: {p[:240]}")
n = len(results)
ok = sum(1 for v in results.values() if not v)
summary = {"scenarios": n, "scenarios_matching": ok, "forms": len(form_ok), "forms_matching": sum(form_ok.values()),
           "difference_classes (scenarios affected)": classes.most_common(), "examples": examples, "results": results}
print(json.dumps(summary, indent=1))
print(f"scenarios matching {ok}/{n}; forms fully matching {sum(form_ok.values())}/{len(form_ok)}", file=sys.stderr)
for k, v in classes.most_common():
    print(f"  {v:4d}  {k}", file=sys.stderr)
