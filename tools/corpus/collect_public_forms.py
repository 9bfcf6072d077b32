#!/usr/bin/env python3
"""Collects candidate public forms for test-fixtures/conformance/public-forms.

  tools/corpus/collect_public_forms.py JAVAROSA_GIT_DIR PYXFORM_GIT_DIR OUT_DIR

JAVAROSA_GIT_DIR / PYXFORM_GIT_DIR: git directories (bare or not) of getodk/javarosa and XLSForm/pyxform, e.g.
  git clone --bare https://github.com/getodk/javarosa /tmp/javarosa.git
  git clone --bare https://github.com/XLSForm/pyxform /tmp/pyxform.git
Reads HEAD of each (the corpus was built from javarosa @ d686d1bc, pyxform @ 51e5bfec). Writes OUT_DIR/<src>-<name>/
with form.xml (pyxform forms converted with pyxform 4.5.0: pip install pyxform==4.5.0), the XLSForm source
(source.xlsx / source.xls / source.md) and origin.json. Forms are copied as data; no code is copied.
Markdown XLSForms embedded in pyxform's tests (md=\"\"\"...\"\"\" string literals) are taken as data too.
"""
import ast, json, os, re, shutil, subprocess, sys, tempfile

jr_git, pyx_git, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)

def git(gitdir, *args, binary=False):
    r = subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, check=True)
    return r.stdout if binary else r.stdout.decode()

# Already in test-fixtures/conformance/forms (see its README table).
EXISTING = {
    "src/test/resources/smoketests/child_vaccination_VOL_tool_v12.xml", "src/test/resources/smoketests/whova_form.xml",
    "src/test/resources/eIMCI-by-D-Tree.xml", "src/test/resources/org/javarosa/core/model/three-level-cascading-select.xml",
    "src/test/resources/Simpler_Cascading_Select_Form.xml", "src/test/resources/org/javarosa/core/model/jr-choice-name.xml",
    "src/test/resources/template-repeat.xml", "src/test/resources/repeat-secondary-instance.xml",
    "src/test/resources/org/javarosa/form/api/constraint-message-error.xml",
    "src/test/resources/org/javarosa/core/model/actions/event-odk-new-repeat.xml",
    "src/test/resources/org/javarosa/form/api/navigation/twoNestedRepeatGroups.xml",
    "src/test/resources/org/javarosa/xpath/expr/relative-current-ref.xml", "src/test/resources/countNonEmptyForm.xml",
    "tests/example_xls/xlsform_spec_test", "tests/example_xls/tutorial", "tests/example_xls/choice_filter_test",
    "tests/example_xls/cascading_select_test_equivalent", "tests/example_xls/calculate", "tests/example_xls/repeat_date_test",
    "tests/example_xls/or_other", "tests/bug_example_xls/UCL_Biomass_Plot_Form", "tests/example_xls/group",
}

skipped = {}

def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:48]

def put(name, form_xml, origin, source=None, media_from=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "form.xml"), "wb").write(form_xml)
    # Files the form reads (jr://file/NAME, jr://file-csv/NAME) go beside it when the repository holds them.
    if media_from:
        gitdir, files = media_from
        by_name = {}
        for f in files:
            by_name.setdefault(os.path.basename(f), f)
        media = []
        for ref in sorted(set(re.findall(r'src="jr://file(?:-csv)?/([^"]+)"', form_xml.decode("utf-8", "replace")))):
            if ref in by_name:
                open(os.path.join(d, ref), "wb").write(git(gitdir, "show", f"HEAD:{by_name[ref]}", binary=True))
                media.append(by_name[ref])
        if media:
            origin = dict(origin, media=media)
    if source:
        fname, data = source
        open(os.path.join(d, fname), "wb").write(data)
    json.dump(origin, open(os.path.join(d, "origin.json"), "w"), indent=1)

# --- JavaRosa test resources -------------------------------------------------------------------------------------
jr_commit = git(jr_git, "rev-parse", "HEAD").strip()
jr_files = git(jr_git, "ls-tree", "-r", "--name-only", "HEAD", "src/test/resources").split("\n")
for path in jr_files:
    if not re.search(r"\.(xml|xhtml)$", path) or path in EXISTING:
        continue
    data = git(jr_git, "show", f"HEAD:{path}", binary=True)
    text = data.decode("utf-8", "replace")
    if "http://www.w3.org/2002/xforms" not in text or "<model" not in text.replace("h:model", "model").replace("xf:model", "model"):
        print(f"skip (not an XForm): {path}", file=sys.stderr)
        skipped[path] = "not an XForm (data or an instance file)"
        continue
    name = "jr-" + slug(os.path.splitext(os.path.basename(path))[0])
    put(name, data, {"repo": "getodk/javarosa", "path": path, "commit": jr_commit, "licence": "Apache-2.0",
                     "converted": False}, media_from=(jr_git, jr_files))

# --- pyxform example XLSForms --------------------------------------------------------------------------------------
pyx_commit = git(pyx_git, "rev-parse", "HEAD").strip()
pyx_files = [f for f in git(pyx_git, "ls-tree", "-r", "--name-only", "HEAD", "tests").split("\n") if not f.endswith(".py")]

def convert(source_name, data):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, source_name)
        open(src, "wb").write(data)
        dst = os.path.join(tmp, "form.xml")
        r = subprocess.run(["xls2xform", "--skip_validate", src, dst], capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(dst):
            return None, (r.stderr or r.stdout).strip().splitlines()[-1:] 
        return open(dst, "rb").read(), None

stems = {}
for path in git(pyx_git, "ls-tree", "-r", "--name-only", "HEAD", "tests/example_xls", "tests/bug_example_xls").split("\n"):
    m = re.match(r"(.*)\.(xlsx|xls|md|xlsm)$", path)
    if m:
        stems.setdefault(m.group(1), []).append(m.group(2))
for stem, exts in sorted(stems.items()):
    if stem in EXISTING:
        continue
    ext = next(e for e in ("xlsx", "xls", "xlsm", "md") if e in exts)
    data = git(pyx_git, "show", f"HEAD:{stem}.{ext}", binary=True)
    base = os.path.basename(stem)
    xml, err = convert(f"{base}.{ext}", data)
    if xml is None:
        print(f"skip (pyxform 4.5.0 cannot convert: {err}): {stem}.{ext}", file=sys.stderr)
        skipped[f"{stem}.{ext}"] = f"pyxform 4.5.0 cannot convert it: {' '.join(err)}"
        continue
    name = ("pyxbug-" if "bug_example" in stem else "pyx-") + slug(base)
    put(name, xml, {"repo": "XLSForm/pyxform", "path": f"{stem}.{ext}", "commit": pyx_commit, "licence": "BSD-2-Clause",
                    "converted": "pyxform 4.5.0"}, (f"source.{ext}", data), media_from=(pyx_git, pyx_files))

# --- markdown XLSForms in pyxform's tests --------------------------------------------------------------------------
# Only test modules whose forms exercise engine behaviour (not conversion errors, settings or media).
MD_MODULES = ["test_repeat", "test_typed_calculates", "test_dynamic_default", "test_trigger", "test_choices_sheet",
              "test_bind_conversions", "test_group", "test_static_defaults", "test_rank", "test_geo",
              "test_secondary_instance_translations", "test_bug_round_calculation", "test_randomize_itemsets",
              "test_xls2json", "test_set_geopoint", "test_survey", "test_guidance_hint", "test_whitespace",
              "test_unicode_rtl", "test_metadata", "test_sms", "test_allow_mock_accuracy", "test_parameters_rows",
              "test_choice_filter", "test_dynamic_choices", "test_range", "test_entities", "test_select_one_from_file"]
for module in MD_MODULES:
    path = f"tests/{module}.py"
    try:
        tree = ast.parse(git(pyx_git, "show", f"HEAD:{path}"))
    except Exception:
        continue
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
            continue
        mds = []
        for node in ast.walk(fn):
            # md="""...""" keyword arguments and md = """...""" assignments holding plain string literals.
            if isinstance(node, ast.keyword) and node.arg == "md" and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                mds.append(node.value.value)
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "md" for t in node.targets) \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                mds.append(node.value.value)
        for k, md in enumerate(dict.fromkeys(mds)):
            if "| survey" not in md and "|survey" not in md:
                continue
            xml, err = convert("source.md", md.encode())
            if xml is None:
                continue
            name = "pyxt-" + slug(module.replace("test_", "") + "-" + fn.name.replace("test_", "")) + (f"-{k + 1}" if k else "")
            put(name, xml, {"repo": "XLSForm/pyxform", "path": f"{path}::{fn.name}" + (f" (md #{k + 1})" if k else ""),
                            "commit": pyx_commit, "licence": "BSD-2-Clause", "converted": "pyxform 4.5.0 (markdown XLSForm from a test)"},
                ("source.md", md.encode()), media_from=(pyx_git, pyx_files))

json.dump(skipped, open(os.path.join(out, "collect-skipped.json"), "w"), indent=1)
