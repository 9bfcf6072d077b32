#!/usr/bin/env python3
"""Generates scenarios for candidate forms and records JavaRosa 5.1.0's behaviour on them, live.

  tools/corpus/record_public_forms.py check CANDIDATES_DIR            # load-checks every candidate -> CANDIDATES_DIR/load-check.json
  tools/corpus/record_public_forms.py record CANDIDATES_DIR OUT_DIR NAME...   # NAME: candidate dir names, in corpus order
  tools/corpus/record_public_forms.py regen OUT_DIR MODE             # regenerates scenario.MODE.json where present
  tools/corpus/record_public_forms.py rerecord OUT_DIR                # re-records expected.* for the scenarios already in OUT_DIR

record: OUT_DIR/<NNN-name>/ gets form.xml, source.*, scenario.load.json, scenario.fill.json, scenario.change.json for every third form
and forms with repeats (see wants_change) (tools/javarosa/ScenarioGen.java, seed 1), and expected.<s>.javarosa.json from
tools/javarosa/JavaRosaRun.java run twice; a scenario whose two runs differ after masking its nondeterministic_refs
(by shape: uuid / ISO date) is dropped. Java 17; the classpath comes from tools/javarosa/setup.sh.
"""
import concurrent.futures, json, os, re, shutil, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_layout import expected_path, form_dirs, scenario_names, scenario_path

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CP = subprocess.run([os.path.join(ROOT, "tools/javarosa/setup.sh")], capture_output=True, text=True, check=True).stdout.strip()
ENV = dict(os.environ, TZ="UTC")
JAVA = ["java", "-Duser.timezone=UTC", "-Duser.language=en", "-Duser.country=US", "-cp", CP]
ORACLE = "javarosa@5.1.0 (live, tools/javarosa/JavaRosaRun)"
SEED = "1"

def run_jr(form, scenario_text, timeout=300):
    r = subprocess.run(JAVA + ["JavaRosaRun", form], input=scenario_text, capture_output=True, text=True, env=ENV, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError((r.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(r.stdout)

def gen(form, mode, timeout=300):
    r = subprocess.run(JAVA + ["ScenarioGen", form, mode, SEED], capture_output=True, text=True, env=ENV, timeout=timeout)
    if r.returncode == 3:
        return None
    if r.returncode != 0:
        raise RuntimeError((r.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(r.stdout)

def static_masks(form_xml):
    """Generic refs of nodes filled from the clock, the device or chance: jr:preload binds, calculates and setvalue
    actions calling now(), today(), uuid(), random(); plus calculates reading such a node (one level)."""
    text = open(form_xml, encoding="utf-8").read()
    masks = set()
    clocky = re.compile(r"\b(now|today|uuid|random)\s*\(")
    binds = re.findall(r"<bind\b[^>]*>", text)
    calc = {}
    for b in binds:
        ns = re.search(r'nodeset="([^"]+)"', b)
        if not ns:
            continue
        nodeset = ns.group(1)
        c = re.search(r'calculate="([^"]*)"', b)
        if c:
            calc[nodeset] = c.group(1)
        if "jr:preload=" in b or (c and clocky.search(c.group(1))):
            masks.add(nodeset)
    for m in re.finditer(r"<(?:\w+:)?setvalue\b[^>]*>", text):
        v = re.search(r'value="([^"]*)"', m.group(0))
        r_ = re.search(r'ref="([^"]+)"', m.group(0))
        if v and r_ and clocky.search(v.group(1)) and r_.group(1).startswith("/"):
            masks.add(r_.group(1))
    for nodeset, c in calc.items():
        for m in list(masks):
            leaf = m.rsplit("/", 1)[-1]
            if re.search(r"(/|\$\{)" + re.escape(leaf) + r"\b", c):
                masks.add(nodeset)
    return masks

def shape(v):
    if v == "":
        return "empty"
    if v.startswith("uuid:") and len(v) == 41:
        return "uuid"
    return "date" if re.match(r"\d{4}-\d{2}-\d{2}", v) else v

def masked(result, masks):
    """The result with masked refs' values replaced by their shape; submission XML likewise (by path)."""
    import xml.etree.ElementTree as ET
    out = json.loads(json.dumps(result))
    for when in ("initial", "final"):
        snap = out.get(when)
        if not snap:
            continue
        for n in snap["nodes"]:
            if "value" in n and re.sub(r"\[\d+\]", "", n["ref"]) in masks:
                n["value"] = shape(n["value"])
        xml = snap.get("submission_xml")
        if xml:
            def walk(e, path):
                name = e.tag.split("}")[-1]
                path = f"{path}/{name}"
                if path in masks and e.text and len(e) == 0:
                    e.text = shape(e.text)
                for k in e:
                    walk(k, path)
            root = ET.fromstring(xml.split("?>", 1)[-1])
            walk(root, "")
            snap["submission_xml"] = ET.tostring(root, encoding="unicode")
    return out

def diff_refs(a, b):
    refs = set()
    for when in ("initial", "final"):
        if when not in a:
            continue
        for x, y in zip(a[when]["nodes"], b[when]["nodes"]):
            if x != y:
                refs.add(re.sub(r"\[\d+\]", "", x["ref"]))
    return refs

def record_scenario(form, scenario, masks_static):
    """Returns (scenario, expected) or raises ValueError when JavaRosa is nondeterministic on it."""
    masks = set(scenario.get("nondeterministic_refs", [])) | masks_static
    scenario["nondeterministic_refs"] = sorted(masks)
    for attempt in range(2):
        text = json.dumps(scenario)
        a = run_jr(form, text)
        b = run_jr(form, text)
        ma, mb = masked(a, masks), masked(b, masks)
        if ma == mb:
            out = {"oracle": ORACLE}
            out.update(a)
            return scenario, out
        extra = {r for r in diff_refs(a, b) if r not in masks}
        # Values that differ run to run but have a maskable shape (uuid, date/time) join the masks once.
        nodes = {re.sub(r"\[\d+\]", "", n["ref"]): n.get("value", "") for w in ("initial", "final") if w in a for n in a[w]["nodes"]}
        if attempt == 0 and extra and all(shape(nodes.get(r, "")) in ("uuid", "date") for r in extra):
            masks |= extra
            scenario["nondeterministic_refs"] = sorted(masks)
            continue
        raise ValueError(f"nondeterministic between two runs: {sorted(extra) or 'submission/steps'}")
    raise ValueError("nondeterministic")

def wants_change(i, form):
    """A change scenario for every third form, every form with a repeat and a select, and every form whose fill
    scenario adds repeat instances (so that one can be removed)."""
    text = open(form, encoding="utf-8", errors="replace").read()
    has_repeat = bool(re.search(r"<(?:\w+:)?repeat\b", text))
    has_select = bool(re.search(r"<(?:\w+:)?select1?\b", text))
    fill = os.path.join(os.path.dirname(form), "scenario.fill.json")
    adds = os.path.exists(fill) and '"add_repeat"' in open(fill).read()
    return i % 3 == 0 or (has_repeat and has_select) or adds

def ordered(scenario):
    return {k: scenario[k] for k in ("form", "initial_snapshot", "steps", "nondeterministic_refs", "tz", "locale") if k in scenario}

def check(cand):
    results = {}
    def one(name):
        d = os.path.join(cand, name)
        form = os.path.join(d, "form.xml")
        text = open(form, encoding="utf-8", errors="replace").read()
        ext = [e for e in re.findall(r'src="(jr://(?:file|file-csv)/[^"]*)"', text)
               if not os.path.isfile(os.path.join(d, e.rsplit("/", 1)[-1]))]
        if ext:
            return name, {"ok": False, "why": "needs external file " + ", ".join(sorted(set(ext)))}
        try:
            r = run_jr(form, '{"initial_snapshot": true, "steps": []}', timeout=180)
        except Exception as e:
            return name, {"ok": False, "why": f"driver failed: {e}"}
        if r.get("load") != "ok":
            return name, {"ok": False, "why": "JavaRosa load error: " + r.get("error", "")[:300]}
        return name, {"ok": True, "nodes": len(r["initial"]["nodes"])}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, res in pool.map(one, sorted(os.listdir(cand))):
            if os.path.isdir(os.path.join(cand, name)):
                results[name] = res
                print(name, res, file=sys.stderr)
    json.dump(results, open(os.path.join(cand, "load-check.json"), "w"), indent=1)

def record(cand, out, names):
    os.makedirs(out, exist_ok=True)
    log = {}
    def one(args):
        i, name = args
        src = os.path.join(cand, name)
        dest = os.path.join(out, f"{i:03d}-{name}")
        os.makedirs(dest, exist_ok=True)
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), dest)
        # origin.json names the media files copied beside the form
        form = os.path.join(dest, "form.xml")
        masks = static_masks(form)
        notes = []
        modes = ["load", "fill"] + (["change"] if wants_change(i, form) else [])
        for mode in modes:
            try:
                scenario = gen(form, mode)
                if scenario is None:
                    notes.append(f"{mode}: nothing to change")
                    continue
                if mode != "load" and not scenario["steps"]:
                    notes.append(f"{mode}: no question to answer")
                    continue
                scenario, expected = record_scenario(form, scenario, masks)
            except Exception as e:
                notes.append(f"{mode}: dropped ({e})")
                continue
            json.dump(ordered(scenario), open(os.path.join(dest, f"scenario.{mode}.json"), "w"), indent=1)
            with open(os.path.join(dest, f"expected.{mode}.javarosa.json"), "w") as f:
                f.write(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
        if not any(f.startswith("scenario.") for f in os.listdir(dest)):
            shutil.rmtree(dest)
            notes.append("form left out: no scenario survived")
        print(dest, notes, file=sys.stderr, flush=True)
        return os.path.basename(dest), notes
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for d, notes in pool.map(one, enumerate(names, 1)):
            log[d] = notes
    prev = {}
    p = os.path.join(out, "record-log.json")
    if os.path.exists(p):
        prev = json.load(open(p))
    prev.update(log)
    json.dump(prev, open(p, "w"), indent=1)

def regen(out, mode):
    """Regenerates scenario.<mode>.json (and its expectation) in every directory of OUT_DIR that has one (change:
    also where wants_change holds)."""
    def one(d):
        dd = os.path.join(out, d)
        form = os.path.join(dd, "form.xml")
        try:
            scenario = gen(form, mode)
            if scenario is None:
                raise ValueError("nothing to change")
            scenario, expected = record_scenario(form, scenario, static_masks(form))
        except Exception as e:
            for f in (f"scenario.{mode}.json", f"expected.{mode}.javarosa.json"):
                if os.path.exists(os.path.join(dd, f)):
                    os.remove(os.path.join(dd, f))
            print(f"{d}: {mode} dropped ({e})", file=sys.stderr)
            return
        json.dump(ordered(scenario), open(os.path.join(dd, f"scenario.{mode}.json"), "w"), indent=1)
        with open(os.path.join(dd, f"expected.{mode}.javarosa.json"), "w") as fh:
            fh.write(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    dirs = [d for d in sorted(os.listdir(out)) if os.path.exists(os.path.join(out, d, f"scenario.{mode}.json"))
            or (mode == "change" and os.path.exists(os.path.join(out, d, "scenario.fill.json"))
                and wants_change(int(d[:3]), os.path.join(out, d, "form.xml")))]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, dirs))

def rerecord(out):
    for d, dd in form_dirs(out):
        for name in scenario_names(dd):
            scenario = json.load(open(scenario_path(dd, name)))
            try:
                _, expected = record_scenario(os.path.join(dd, "form.xml"), scenario, set())
            except ValueError as e:
                print(f"{d}/scenario.{name}.json: {e}", file=sys.stderr)
                continue
            with open(expected_path(dd, name), "w") as fh:
                fh.write(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2])
    elif cmd == "record":
        record(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "regen":
        regen(sys.argv[2], sys.argv[3])
    elif cmd == "rerecord":
        rerecord(sys.argv[2])
