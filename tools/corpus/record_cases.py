#!/usr/bin/env python3
"""Records JavaRosa 5.1.0's answer for candidate XPath cases, live, with tools/javarosa/XPathRun.

Usage: record_cases.py ID_PREFIX EXPECTED_FIELD CANDIDATES.jsonl OUT.jsonl [--first N]

Assigns ids ID_PREFIX-00001..., runs every case through XPathRun (JavaRosa from ODK_Validate.jar, see
tools/javarosa/setup.sh), drops the cases whose JavaRosa result the driver could not determine (printing them on
stderr with the reason), and sets "divergent" when `javarosa_actual` differs from EXPECTED_FIELD (numbers within a
relative 1e-12, or within "expected_tolerance" when the case has one; a "throws" case agrees when JavaRosa threw;
an expected value "error" means "throws"; {"matches": regexp} and {"length": n} test a string (the
regexp is the upstream JavaScript one, applied with Python's re); a case with "expected_parse" is compared on its parse tree instead).
"""
import json
import re
import os
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SETUP = os.path.join(HERE, "..", "javarosa", "setup.sh")


def agrees(actual, expected, result_type):
    threw = isinstance(actual, dict) and "error" in actual
    if result_type == "throws" or expected == "error" or (isinstance(expected, dict) and "error" in expected):
        return threw
    if threw:
        return False
    if isinstance(expected, dict) and "matches" in expected:
        return isinstance(actual, str) and re.search(expected["matches"], actual) is not None
    if isinstance(expected, dict) and "length" in expected:
        return isinstance(actual, str) and len(actual) == expected["length"]
    num = (int, float)
    if isinstance(actual, num) and isinstance(expected, num) and not isinstance(actual, bool) \
            and not isinstance(expected, bool):
        return abs(actual - expected) <= 1e-12 * max(abs(actual), abs(expected), 1.0)
    return actual == expected


def main():
    prefix, field, src, dst = sys.argv[1:5]
    cases = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
    for i, c in enumerate(cases, 1):
        c["id"] = "%s-%05d" % (prefix, i)
    classpath = subprocess.run([SETUP], check=True, capture_output=True, text=True).stdout.strip()
    proc = subprocess.run(["java", "-cp", classpath, "XPathRun", "10000"], check=True, capture_output=True,
                          text=True, input="".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases))
    recorded = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    assert len(recorded) == len(cases), "XPathRun returned %d of %d cases" % (len(recorded), len(cases))
    stats = Counter()
    kept = []
    for c in recorded:
        if "javarosa_undetermined" in c:
            stats["dropped (JavaRosa result undetermined)"] += 1
            print("undetermined %s %r: %s" % (c["id"], c["expr"], c["javarosa_undetermined"]), file=sys.stderr)
            continue
        c.pop("javarosa_undetermined", None)
        if "expected_parse" in c:
            # Parse-tree cases: the upstream assertion is about parsing (null = syntax error).
            parsed = c.get("javarosa_parse")
            if c["expected_parse"] is None:
                c["divergent"] = not (isinstance(parsed, dict) and "error" in parsed)
            else:
                c["divergent"] = parsed != c["expected_parse"]
            stats["divergent"] += c["divergent"]
        elif "expected_tolerance" in c and isinstance(c["javarosa_actual"], (int, float)) \
                and not isinstance(c["javarosa_actual"], bool):
            c["divergent"] = abs(c["javarosa_actual"] - c[field]) > c["expected_tolerance"]
            stats["divergent"] += c["divergent"]
        elif field in c:
            c["divergent"] = not agrees(c["javarosa_actual"], c[field], c["result_type"])
            stats["divergent"] += c["divergent"]
        a = c["javarosa_actual"]
        stats["JavaRosa threw"] += isinstance(a, dict) and "error" in a
        kept.append(c)
    # Renumber so that ids stay dense.
    for i, c in enumerate(kept, 1):
        c["id"] = "%s-%05d" % (prefix, i)
    with open(dst, "w", encoding="utf-8") as out:
        for c in kept:
            out.write(json.dumps(c, ensure_ascii=False) + "\n")
    stats["kept"] = len(kept)
    for k, v in sorted(stats.items()):
        print("%6d %s" % (v, k), file=sys.stderr)


main()
