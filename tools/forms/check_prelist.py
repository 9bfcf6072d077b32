#!/usr/bin/env python3
"""Checks that a prelist preloads cleanly into the form: every key is a node of the form and every
value is acceptable there.

    check_prelist.py [-v] FORM.xml PRELIST.jsonl

For each household of the JSON Lines prelist (docs/prelist-format.md: groups are objects, the
members repeat is an array) and each value in it:
  * the key path (e.g. lokasi/desa, members/nik) must be a node of the form's primary instance;
  * a select's value must be one of its choices: inline choice lists, the external CSVs next to
    the form (with the choice_filter evaluated against the household, so a desa must lie in the
    household's kecamatan), and itemsets over the members repeat (pengurus: a present member);
  * date and int values must have their lexical form; `required` values must not be empty;
  * the bind's constraint must hold (regex(), translate(), comparisons with ., today() and absolute
    paths).
Stdlib only. Exits 1 listing the first problems, 0 with a one-line summary otherwise (-v adds a
line per field).
"""
import csv
import datetime
import functools
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class X:
    """An XPath 1.0 value with XPath comparison semantics (numbers compare as numbers, ISO dates as dates)."""

    def __init__(self, v):
        self.v = v

    def _num(self):
        try:
            return float(self.v)
        except (TypeError, ValueError):
            return float("nan")

    def _pair(self, o):
        if isinstance(self.v, float) or isinstance(o.v, float):
            return self._num(), o._num()
        return str(self.v), str(o.v)

    def _rel(self, o):
        a, b = str(self.v), str(o.v)
        if DATE.match(a[:10]) and DATE.match(b[:10]):
            return a, b
        return self._num(), o._num()

    def __eq__(self, o):
        a, b = self._pair(o)
        return a == b

    def __ne__(self, o):
        a, b = self._pair(o)
        return a != b

    def __lt__(self, o):
        a, b = self._rel(o)
        return a < b

    def __le__(self, o):
        a, b = self._rel(o)
        return a <= b

    def __gt__(self, o):
        a, b = self._rel(o)
        return a > b

    def __ge__(self, o):
        a, b = self._rel(o)
        return a >= b


TOKEN = re.compile(
    r"\s*(?:(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>\d+(?:\.\d+)?)|(?P<func>regex|translate|today)\s*\("
    r"|(?P<abs>/[\w/]+)|(?P<child>(?:\./)?[A-Za-z_][\w]*)|(?P<dot>\.)|(?P<op>!=|<=|>=|=|<|>|\(|\)|,))"
)


def translate(expr: str) -> str:
    """XPath (the small subset the form uses) -> a Python expression over X values."""
    out, pos = [], 0
    while pos < len(expr.rstrip()):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"cannot evaluate {expr!r} at {expr[pos:]!r}")
        pos = m.end()
        kind, text = m.lastgroup, m.group(m.lastgroup)
        if kind == "str":
            out.append(f"X({text[1:-1]!r})")
        elif kind == "num":
            out.append(f"X({float(text)!r})")
        elif kind == "func":
            out.append({"regex": "REGEX(", "translate": "TRANSLATE(", "today": "TODAY("}[text])
        elif kind == "abs":
            out.append(f"X(ABS({text!r}))")
        elif kind == "child":
            out.append(f" {text} " if text in ("and", "or") else f"X(CHILD({text.removeprefix('./')!r}))")
        elif kind == "dot":
            out.append("X(DOT)")
        else:
            out.append({"=": "==", "(": "(", ")": ")"}.get(text, text))
    return " ".join(out)


@functools.lru_cache(maxsize=None)
def compiled(expr: str):
    return compile(translate(expr), expr, "eval")


def xpath_translate(value, source, target):
    """XPath translate(): each character of `source` becomes the one at its place in `target`, or goes."""
    src, dst = str(source.v), str(target.v)
    table = {ord(c): (dst[i] if i < len(dst) else None) for i, c in reversed(list(enumerate(src)))}
    return X(str(value.v).translate(table))


def evaluate(expr, dot="", child=None, absolute=None):
    env = {
        "X": X,
        "DOT": dot,
        "CHILD": child or (lambda name: ""),
        "ABS": absolute or (lambda path: ""),
        "REGEX": lambda value, pattern: re.fullmatch(pattern.v, str(value.v)) is not None,
        "TRANSLATE": xpath_translate,
        "TODAY": lambda: X(datetime.date.today().isoformat()),
    }
    return bool(eval(compiled(expr), env))  # noqa: S307 - expressions come from our own form


def load_form(path: Path):
    root = ET.parse(path).getroot()
    model = root.find(f"{H}head/{XF}model")
    instances = model.findall(f"{XF}instance")
    nodes = set()

    def walk(el, prefix):
        p = f"{prefix}/{el.tag.removeprefix(XF)}"
        nodes.add(p)
        for c in el:
            walk(c, p)

    walk(next(iter(instances[0])), "")
    secondary = {}
    for inst in instances[1:]:
        iid, src = inst.get("id"), inst.get("src")
        if src:
            with open(path.parent / src.rsplit("/", 1)[-1], encoding="utf-8", newline="") as f:
                secondary[iid] = list(csv.DictReader(f))
        else:
            secondary[iid] = [{c.tag.removeprefix(XF): (c.text or "") for c in item} for item in inst.iter(f"{XF}item")]
    binds = {b.get("nodeset"): b.attrib for b in model.findall(f"{XF}bind")}
    selects = {}
    for tag in ("select1", "select"):
        for el in root.iter(f"{XF}{tag}"):
            itemset = el.find(f"{XF}itemset")
            if itemset is not None:
                selects[el.get("ref")] = (itemset.get("nodeset"), itemset.find(f"{XF}value").get("ref"), tag)
            else:
                selects[el.get("ref")] = (None, [i.findtext(f"{XF}value") for i in el.findall(f"{XF}item")], tag)
    return nodes, secondary, binds, selects


def choice_set(rows, value_ref, pred, absolute):
    return {
        r.get(value_ref, "")
        for r in rows
        if not pred or evaluate(pred, child=lambda n, r=r: r.get(n, ""), absolute=absolute)
    }


ITEMSET = re.compile(r"^\s*(?:instance\('(?P<iid>[^']+)'\)/root/item|(?P<repeat>/[\w/]+))\s*(?:\[(?P<pred>.*)\])?\s*$", re.S)


def main() -> int:
    args = sys.argv[1:]
    verbose = bool(args) and args[0] == "-v"
    args = args[1:] if verbose else args
    if len(args) != 2:
        print("usage: check_prelist.py [-v] FORM.xml PRELIST.jsonl", file=sys.stderr)
        return 2
    form, prelist = Path(args[0]), Path(args[1])
    nodes, secondary, binds, selects = load_form(form)
    root = next(n for n in nodes if n.count("/") == 1)
    problems, checked, distinct, choice_cache = [], Counter(), defaultdict(set), {}
    households = members = 0

    for line_no, line in enumerate(open(prelist, encoding="utf-8-sig"), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        households += 1

        def absolute(path, record=record):
            value = record
            for step in path.split("/")[2:]:
                value = value.get(step, "") if isinstance(value, dict) else ""
            return value

        def check(path, value, context, where):
            checked[path] += 1
            distinct[path].add(value)
            if path not in nodes:
                problems.append(f"{where}: {path} is not a node of the form")
                return
            bind = binds.get(path, {})
            kind = bind.get("type", "string")
            if value == "":
                if bind.get("required") == "true()":
                    problems.append(f"{where}: {path} is required but empty")
                return
            if kind == "date":
                try:
                    datetime.date.fromisoformat(value)
                except ValueError:
                    problems.append(f"{where}: {path} = {value!r} is not a date (YYYY-MM-DD)")
            elif kind == "int" and not re.fullmatch(r"-?\d+", value):
                problems.append(f"{where}: {path} = {value!r} is not an integer")
            if path in selects:
                nodeset, value_ref, tag = selects[path]
                if nodeset is None:
                    choices = set(value_ref)
                else:
                    m = ITEMSET.match(nodeset)
                    if not m:
                        problems.append(f"{where}: {path}: itemset {nodeset!r} not understood")
                        return
                    pred = m["pred"]
                    if m["iid"]:
                        # A choice list depends only on the absolute paths its filter reads: compute it once.
                        key = (nodeset, tuple(absolute(p) for p in re.findall(r"/[\w/]+", pred or "")))
                        if key not in choice_cache:
                            choice_cache[key] = choice_set(secondary[m["iid"]], value_ref, pred, absolute)
                        choices = choice_cache[key]
                    else:
                        choices = choice_set(absolute(m["repeat"]) or [], value_ref, pred, absolute)
                given = value.split() if tag == "select" else [value]
                for v in given:
                    if v not in choices:
                        problems.append(f"{where}: {path} = {v!r} is not a choice ({len(choices)} offered)")
            constraint = bind.get("constraint")
            if constraint and not evaluate(constraint, dot=value, child=lambda n: context.get(n, ""), absolute=absolute):
                problems.append(f"{where}: {path} = {value!r} violates the constraint {constraint}")

        def walk(obj, prefix, where):
            nonlocal members
            for key, value in obj.items():
                path = f"{prefix}/{key}"
                if isinstance(value, dict):
                    if path not in nodes:
                        problems.append(f"{where}: group {path} is not in the form")
                    walk(value, path, where)
                elif isinstance(value, list):
                    if path not in nodes:
                        problems.append(f"{where}: repeat {path} is not in the form")
                    for i, item in enumerate(value, start=1):
                        members += 1
                        for k, v in item.items():
                            check(f"{path}/{k}", str(v), item, f"{where} {key}[{i}]")
                else:
                    check(path, value if isinstance(value, str) else json.dumps(value), obj, where)

        walk(record, root, f"{prelist.name}:{line_no}")

    if problems:
        print(f"{prelist}: {len(problems)} problem(s) against {form}:", file=sys.stderr)
        for p in problems[:40]:
            print(f"  {p}", file=sys.stderr)
        if len(problems) > 40:
            print(f"  ... and {len(problems) - 40} more", file=sys.stderr)
        return 1
    print(f"{prelist.name}: {households} households, {members} members, {sum(checked.values())} values "
          f"in {len(checked)} fields: all preload into {form.name}")
    for path in sorted(checked) if verbose else []:
        kind = "choice" if path in selects else binds.get(path, {}).get("type", "string")
        print(f"  {path:42} {kind:7} {checked[path]:5} values, {len(distinct[path]):4} distinct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
