#!/usr/bin/env python3
"""What an XForm exercises, in a few words (used for candidate selection and the public-forms README)."""
import re, sys

FEATURES = [
    ("nested repeats", lambda t: len(re.findall(r"<(?:\w+:)?repeat\b", t)) >= 2 and bool(re.search(r"<(?:\w+:)?repeat\b(?:(?!</(?:\w+:)?repeat>).)*<(?:\w+:)?repeat\b", t, re.S))),
    ("repeat", lambda t: "<repeat" in t or ":repeat" in t),
    ("jr:count", lambda t: "jr:count=" in t),
    ("jr:template", lambda t: "jr:template=" in t),
    ("itemset", lambda t: "<itemset" in t or ":itemset" in t),
    ("choice filter", lambda t: bool(re.search(r'<(?:\w+:)?itemset[^>]*nodeset="[^"]*\[', t))),
    ("secondary instance", lambda t: bool(re.search(r'<instance[^>]*\bid="', t))),
    ("randomize", lambda t: "randomize(" in t),
    ("setvalue", lambda t: "setvalue" in t),
    ("setgeopoint", lambda t: "setgeopoint" in t),
    ("odk-new-repeat", lambda t: "odk-new-repeat" in t),
    ("dynamic default", lambda t: "odk-instance-first-load" in t),
    ("constraint", lambda t: "constraint=" in t),
    ("relevance", lambda t: "relevant=" in t),
    ("calculate", lambda t: "calculate=" in t),
    ("required", lambda t: bool(re.search(r'required="true\(\)"', t))),
    ("readonly", lambda t: bool(re.search(r'readonly="true\(\)"', t))),
    ("select_one", lambda t: "<select1" in t or ":select1" in t),
    ("select_multiple", lambda t: bool(re.search(r"<(?:\w+:)?select\b", t))),
    ("rank", lambda t: "odk:rank" in t),
    ("range", lambda t: "<range" in t or ":range" in t),
    ("trigger", lambda t: "<trigger" in t or ":trigger" in t),
    ("date", lambda t: 'type="date"' in t or 'type="xsd:date"' in t),
    ("dateTime", lambda t: "dateTime" in t),
    ("time", lambda t: 'type="time"' in t or 'type="xsd:time"' in t),
    ("date functions", lambda t: bool(re.search(r"format-date|decimal-date|date\(|today\(\)|now\(\)", t))),
    ("geo", lambda t: bool(re.search(r'type="(?:xsd:)?geo(point|trace|shape)"', t))),
    ("geo functions", lambda t: "area(" in t or "distance(" in t),
    ("decimal", lambda t: 'type="decimal"' in t or 'type="xsd:decimal"' in t),
    ("integer", lambda t: 'type="int"' in t or 'type="xsd:int"' in t or 'type="integer"' in t),
    ("regex", lambda t: "regex(" in t),
    ("jr:choice-name", lambda t: "jr:choice-name" in t),
    ("indexed-repeat", lambda t: "indexed-repeat" in t),
    ("once()", lambda t: "once(" in t),
    ("coalesce/if", lambda t: "coalesce(" in t or "if(" in t),
    ("string functions", lambda t: bool(re.search(r"concat\(|substr\(|string-length|translate\(|join\(|selected-at", t))),
    ("math functions", lambda t: bool(re.search(r"round\(|int\(|pow\(|sum\(|count\(|max\(|min\(", t))),
    ("itext", lambda t: "jr:itext" in t),
    ("multiple languages", lambda t: len(re.findall(r"<translation\b", t)) > 1),
    ("preload", lambda t: "jr:preload=" in t),
    ("entities", lambda t: "entities:" in t or "entities-version" in t),
    ("field-list", lambda t: "field-list" in t),
    ("upload", lambda t: "<upload" in t),
]

def features(text):
    out = []
    for name, test in FEATURES:
        try:
            if test(text):
                out.append(name)
        except Exception:
            pass
    if "nested repeats" in out and "repeat" in out:
        out.remove("repeat")
    return out

if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p, ", ".join(features(open(p, encoding="utf-8", errors="replace").read())))
