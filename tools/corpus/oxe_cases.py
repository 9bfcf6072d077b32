#!/usr/bin/env python3
"""Turns the call log written by oxe-record-hook.js into XPath conformance cases (JSONL, the "XPath case format"
of test-fixtures/conformance/README.md), before JavaRosa's answers are recorded with tools/javarosa/XPathRun.

Usage: oxe_cases.py SOURCE_PREFIX RAW.jsonl [SOURCE_PREFIX RAW.jsonl ...] > cases.jsonl   (statistics on stderr)
Later logs only add cases (expression, context, context node, result type) that earlier ones did not have.

Kept: evaluate() calls made inside a passing upstream test, on an XML document, whose context node is the
document or an element, whose result is a number, string or boolean (or which threw), and whose expression does
not need the test's namespace resolver. Volatile expressions (now(), today(), random(), uuid(), once(), randomize()
without a seed, or dates the test took from the clock) are dropped, so that re-recording gives the same file.
"""
import datetime
import json
import os
import re
import sys
from collections import Counter

TYPES = {1: "number", 2: "string", 3: "boolean"}
ASSERTED = {"assertTrue", "assertFalse", "assertBoolean", "assertString", "assertStringValue", "assertNumber",
            "assertNumberValue"}
VOLATILE = re.compile(r"\b(now|today|random|uuid|once)\s*\(")
RANDOMIZE_NO_SEED = re.compile(r"\brandomize\s*\([^,()]*(\([^()]*\)[^,()]*)*\)")
# A date as JavaScript's Date.prototype.toString() writes it: tests that build expressions from new Date().
JS_DATE_STRING = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d GMT")
STRING_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
QNAME_PREFIX = re.compile(r"(?<![\w.:-])[A-Za-z_][\w.-]*:(?!:)[A-Za-z_*]")


def js_number_string(n):
    if isinstance(n, str):
        return n
    if float(n).is_integer() and abs(n) < 1e21:
        return str(int(n))
    return repr(float(n))


def normalize(expected, result_type):
    """chai's assert.equal compares with ==, so the tests often assert 2 for "2" or "23.8" for 23.8; give the
    asserted value the case's result type."""
    if result_type == "number" and isinstance(expected, str) and expected not in ("NaN", "Infinity", "-Infinity"):
        try:
            f = float(expected)
            return int(f) if f.is_integer() and abs(f) < 2 ** 53 else f
        except ValueError:
            return expected
    if result_type == "string" and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return js_number_string(expected)
    if result_type == "boolean" and not isinstance(expected, bool):
        return bool(expected)
    return expected


def is_volatile(expr):
    return bool(VOLATILE.search(expr)) or bool(
        re.search(r"\brandomize\s*\(", expr) and RANDOMIZE_NO_SEED.search(expr))


def near_run_date(expr, run_dates):
    return any(day in expr for day in run_dates)


def needs_resolver(expr):
    bare = STRING_LITERAL.sub("''", expr)
    return bool(QNAME_PREFIX.search(bare))


def main():
    stats = Counter()
    seen = set()
    args = sys.argv[1:]
    for prefix, raw in zip(args[0::2], args[1::2]):
        print("== %s (%s)" % (prefix, raw), file=sys.stderr)
        extract(prefix, raw, stats, seen)
        for k, v in sorted(stats.items()):
            print("%6d %s" % (v, k), file=sys.stderr)
        stats.clear()


def extract(prefix, raw, stats, seen):
    # Dates within three days of the recording run: tests that compare with today() write such literals.
    mtime = datetime.date.fromtimestamp(os.path.getmtime(raw))
    run_dates = {(mtime + datetime.timedelta(days=k)).isoformat() for k in range(-3, 4)}
    calls, states = [], {}
    for line in open(raw, encoding="utf-8"):
        d = json.loads(line)
        if d["kind"] == "test":
            states[d["test"]] = d["state"]
        else:
            calls.append(d)
    for d in calls:
        stats["calls"] += 1
        why = None
        if not isinstance(d.get("expr"), str):
            why = "expression is not a string"
        elif not d.get("test"):
            why = "outside a test (hook or describe body)"
        elif states.get(d["test"]) != "passed":
            why = "upstream test failed under jsdom or was skipped"
        elif not d.get("site"):
            why = "call site not in a spec file"
        elif d.get("docContentType") != "application/xml" or "contextXml" not in d:
            why = "no XML context document"
        elif d.get("contextKind") not in ("document", "element"):
            why = "context node is not the document or an element (%s)" % d.get("contextKind")
        elif d.get("nsResolver") and needs_resolver(d["expr"]):
            why = "expression uses namespace prefixes resolved by the test's resolver"
        if why is None:
            if "threw" in d:
                result_type, enketo = "throws", {"error": d["threw"]}
            else:
                rt = (d.get("result") or {}).get("resultType")
                if rt not in TYPES:
                    why = "result is a node-set"
                else:
                    result_type = TYPES[rt]
                    enketo = d["result"][result_type]
        if why is None:
            if is_volatile(d["expr"]) or JS_DATE_STRING.search(d["expr"]) or near_run_date(d["expr"], run_dates):
                why = "volatile: depends on the clock or on randomness (now(), today(), random(), uuid(), once(), " \
                      "unseeded randomize(), or a date the test took from the clock)"
        if why is not None:
            stats["dropped: " + why] += 1
            continue
        assertion = d.get("assertion") or {}
        if assertion.get("helper") in ASSERTED and result_type != "throws":
            expected, expected_from = assertion["expected"], "upstream assertion (%s)" % assertion["helper"]
            expected = normalize(expected, result_type)
        elif result_type == "throws":
            expected, expected_from = "error", "upstream assertion (throws)"
        else:
            expected = enketo
            expected_from = "openrosa-xpath-evaluator result in a passing upstream test" + (
                " (%s)" % assertion["helper"] if assertion.get("helper") else "")
        context_xml, note = d["contextXml"], None
        if "<parsererror" in context_xml:
            # initDoc('') in the tests: the browser's DOMParser gives a <parsererror> document. Such tests evaluate
            # context-free expressions, so the case is recorded against the format's default document <data/>.
            if d.get("contextKind") != "document":
                stats["dropped: context inside a parsererror document"] += 1
                continue
            context_xml = None
            note = "upstream context was an empty (unparseable) document; recorded against <data/>"
        key = (d["expr"], context_xml, d.get("contextPath"), result_type)
        if key in seen:
            stats["dropped: duplicate"] += 1
            continue
        seen.add(key)
        case = {
            "id": None,
            "expr": d["expr"],
            "context_xml": context_xml,
            "context_path": d.get("contextPath"),
            "result_type": result_type,
            "expected_enketo": expected,
            "enketo_actual": enketo,
            "expected_from": expected_from,
            "tz": "America/Phoenix",
            "verified_by": [],
            "source": "%s %s" % (prefix, d["site"]),
            "test": d["test"],
        }
        if note:
            case["note"] = note
        stats["kept"] += 1
        print(json.dumps(case, ensure_ascii=False))


if __name__ == "__main__":
    main()
