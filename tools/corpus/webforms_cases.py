#!/usr/bin/env python3
"""Turns the assertion log written by webforms-recording-helpers.ts into XPath conformance cases (JSONL, the
"XPath case format"), before JavaRosa's answers are recorded with record_cases.py.

Usage: webforms_cases.py RAW.jsonl SOURCE_PREFIX [EXISTING.jsonl ...] > cases.jsonl   (statistics on stderr)

Kept: boolean, number and string assertions (not node-set ones) outside tests declared with it.fails, whose
context node is the document/root or an element below it, and whose expression has no namespace prefix (the tests
resolve xhtml:, jr: ... through a resolver, which the case format cannot carry). Cases already present in the
EXISTING files (same expression, result type, context node and context document up to whitespace between tags)
are skipped. Volatile expressions (now(), today(), random(), ...) are dropped. The recording run fixes the clock
(2025-11-28T00:00:00Z) and seeds Math.random (webforms-recording-setup.ts), so tests that build their data or
expressions from them give the same cases on every run. When the tests' root is the primary
<instance> of an XForm, its child is the context document and the other <instance id> children are
secondary_instances; the XForms default namespace declaration on those roots is removed (XForms engines,
JavaRosa included, address instance nodes without it).
"""
import json
import re
import sys
from collections import Counter

from oxe_cases import is_volatile, needs_resolver

XFORMS_NS = ' xmlns="http://www.w3.org/2002/xforms"'


def squash(xml):
    return None if xml is None else re.sub(r">\s+<", "><", xml).strip()


def strip_default_ns(xml):
    head, sep, rest = xml.partition(">")
    return head.replace(XFORMS_NS, "") + sep + rest


def main():
    raw, prefix = sys.argv[1], sys.argv[2]
    seen = set()
    for existing in sys.argv[3:]:
        for line in open(existing, encoding="utf-8"):
            c = json.loads(line)
            seen.add((c["expr"], c["result_type"], c.get("context_path"), squash(c.get("context_xml"))))
    stats = Counter()
    records = [json.loads(line) for line in open(raw, encoding="utf-8")]
    # vitest runs the test files in no fixed order; order by file (stable, so each file keeps its own order).
    records.sort(key=lambda d: (d.get("site") or "").split(":")[0])
    for d in records:
        stats["assertions"] += 1
        why = None
        if d["fails"]:
            why = "test declared with it.fails"
        elif d["resultType"] == "nodes":
            why = "node-set assertion"
        elif "contextXml" not in d:
            why = "root <instance> does not have exactly one child element"
        elif d.get("contextUnaddressable"):
            why = "context node is not the root or an element below it"
        elif needs_resolver(d["expression"]):
            why = "expression uses namespace prefixes resolved by the test's resolver"
        elif not d.get("site"):
            why = "call site not in a test file"
        if why is None and is_volatile(d["expression"]):
            why = "volatile: depends on the clock or on randomness"
        if why:
            stats["dropped: " + why] += 1
            continue
        xml = d["contextXml"]
        note = None
        secondary = None
        if d.get("rootIsElement"):
            xml = strip_default_ns(xml)
            secondary = {k: strip_default_ns(v) for k, v in (d.get("secondaryInstances") or {}).items()} or None
        elif "<parsererror" in xml:
            if d.get("contextPath") is not None:
                stats["dropped: context inside a parsererror document"] += 1
                continue
            xml = None
            note = "upstream context was an unparseable document; recorded against <data/>"
        result_type = d["resultType"]
        expected = d["expected"]
        extra = {}
        if d["helper"] == "assertNumberRounded":
            extra["expected_tolerance"] = 0.5 / d["factor"]
            extra["expected_rounding_factor"] = d["factor"]
        elif d["helper"] == "assertStringMatches":
            expected = {"matches": expected["regexp"] if isinstance(expected, dict) else expected}
        elif d["helper"] == "assertStringLength":
            expected = {"length": expected}
        key = (d["expression"], result_type, d.get("contextPath"), squash(xml))
        if key in seen:
            stats["dropped: duplicate (here or in an existing file)"] += 1
            continue
        seen.add(key)
        case = {
            "id": None, "expr": d["expression"], "context_xml": xml, "context_path": d.get("contextPath"),
            "result_type": result_type, "expected_webforms": expected,
            "expected_from": "upstream assertion (%s)" % d["helper"], "tz": "America/Phoenix", "verified_by": [],
            "source": "%s %s" % (prefix, d["site"]), "test": " > ".join(x for x in (d.get("suite"), d.get("test")) if x),
        }
        if secondary:
            case["secondary_instances"] = secondary
        case.update(extra)
        if note:
            case["note"] = note
        stats["kept"] += 1
        print(json.dumps(case, ensure_ascii=False))
    for k, v in sorted(stats.items()):
        print("%6d %s" % (v, k), file=sys.stderr)


main()
