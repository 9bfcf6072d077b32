"""The layout of a public-forms corpus directory: one directory per form with `form.xml`, and beside it each
scenario `scenario.NAME.json` with JavaRosa's recorded answer `expected.NAME.javarosa.json`."""
import os, re

SCENARIO = re.compile(r"scenario\.(.+)\.json$")


def form_dirs(corpus):
    """(name, path) of each form directory, sorted by name."""
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if os.path.isdir(path):
            yield name, path


def scenario_names(form_dir):
    """The scenario names in a form directory (`fill` for `scenario.fill.json`), sorted."""
    return sorted(m.group(1) for m in map(SCENARIO.match, os.listdir(form_dir)) if m)


def scenario_path(form_dir, name):
    return os.path.join(form_dir, f"scenario.{name}.json")


def expected_path(form_dir, name):
    return os.path.join(form_dir, f"expected.{name}.javarosa.json")
