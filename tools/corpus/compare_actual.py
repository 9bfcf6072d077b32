#!/usr/bin/env python3
"""Compares `javarosa_actual` of two JSONL case files line by line (matched by id).

Usage: compare_actual.py REFERENCE.jsonl RECORDED.jsonl [-v]
Numbers agree within a relative 1e-12; errors agree when the exception class matches
(and are reported separately when the message differs)."""
import json
import sys


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)
    return a == b


def main():
    ref = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        d = json.loads(line)
        ref[d["id"]] = d
    verbose = "-v" in sys.argv
    agree = class_only = differ = missing = 0
    for line in open(sys.argv[2], encoding="utf-8"):
        d = json.loads(line)
        r = ref.get(d["id"])
        if r is None:
            missing += 1
            continue
        a, b = r.get("javarosa_actual"), d.get("javarosa_actual")
        if same(a, b):
            agree += 1
        elif isinstance(a, dict) and isinstance(b, dict) and "error" in a and "error" in b and \
                a["error"].split(":")[0] == b["error"].split(":")[0]:
            class_only += 1
            if verbose:
                print("MESSAGE", d["id"], d["expr"], a, b)
        else:
            differ += 1
            if verbose:
                print("DIFFER", d["id"], repr(d["expr"]), "reference:", a, "recorded:", b, d.get("javarosa_undetermined", ""))
    print(f"agree {agree}, same exception class but other message {class_only}, differ {differ}, not in reference {missing}")


main()
