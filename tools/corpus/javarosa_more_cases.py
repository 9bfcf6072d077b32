#!/usr/bin/env python3
"""Extracts XPath test data from getodk/javarosa beyond XPathEvalTest (which javarosa-evaltest.cases.jsonl already
holds) as candidate cases in the "XPath case format", before JavaRosa's answers are recorded by record_cases.py.

Usage: javarosa_more_cases.py JAVAROSA_GIT_DIR [COMMIT] > candidates.jsonl

Sources (test data copied as data; JavaRosa is Apache-2.0):
- src/test/java/org/javarosa/xpath/test/XPathParseTest.java, table parseTestCases: every (expression, expected
  parse tree | null) row, read mechanically. A row whose upstream tree is null (a syntax error) becomes a
  "throws" case; any other row becomes a "string" case evaluated in the empty document <data/>. Both carry
  "expected_parse" (the upstream tree, or null for "syntax error"), and the recorder adds "javarosa_parse".
- src/test/java/org/javarosa/xpath/expr/DigestTest.java, table data(): digest(text, algorithm, encoding) rows, read
  mechanically (the form in digestFunction_acceptsDynamicParameters passes the algorithm's and the encoding's
  names to digest()).
- Form-based tests whose calculate is a single XPath expression over a flat instance, transcribed by hand below
  (Base64DecodeTest, GeoAreaTest, GeoDistanceTest): the instance becomes context_xml, the calculate becomes expr.
  The binds' data types (geopoint, geoshape...) are not part of the case: values are untyped text, as in
  XPathEvalTest. "closeTo" assertions keep their tolerance in "expected_tolerance".
- Java-API tests turned into the XPath function that applies the same conversion (marked "adapted": true):
  XPathFuncAsSomethingTest (toNumeric on strings -> number('...')), DateUtilsFormatTests (%W -> format-date()).
"""
import json
import math
import re
import subprocess
import sys

PARSE_TEST = "src/test/java/org/javarosa/xpath/test/XPathParseTest.java"
DIGEST_TEST = "src/test/java/org/javarosa/xpath/expr/DigestTest.java"
JSTR = r'"((?:[^"\\]|\\.)*)"'


def java_unescape(s):
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", lambda m: {
        "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "\\": "\\", '"': '"', "'": "'",
    }.get(m.group(1), chr(int(m.group(1)[1:], 16)) if m.group(1).startswith("u") else m.group(1)), s)


def show(git_dir, commit, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", "%s:%s" % (commit, path)], check=True,
                          capture_output=True, text=True).stdout


def case(expr, result_type, expected, source, test, context_xml=None, **extra):
    c = {"id": None, "expr": expr, "context_xml": context_xml, "context_path": None, "result_type": result_type,
         "expected": expected, "tz": "UTC", "verified_by": [], "source": "getodk/javarosa %s" % source,
         "test": test, "expected_from": "upstream test assertion"}
    c.update(extra)
    return c


def parse_cases(text):
    start = text.index("parseTestCases")
    end = text.index("};", start)
    body = text[start:end]
    base_line = text[:start].count("\n") + 1
    row = re.compile(r"\{\s*" + JSTR + r"\s*,\s*(null|" + JSTR + r")\s*\}", re.S)
    for m in row.finditer(body):
        line = base_line + body[:m.start()].count("\n")
        expr = java_unescape(m.group(1))
        tree = None if m.group(2) == "null" else java_unescape(m.group(3))
        src = "%s:%d" % (PARSE_TEST, line)
        if tree is None:
            yield case(expr, "throws", "XPathSyntaxException", src, "XPathParseTest.doTests", expected_parse=None)
        else:
            c = case(expr, "string", None, src, "XPathParseTest.doTests", expected_parse=tree)
            c["expected_from"] = "upstream asserts the parse tree only (expected_parse); evaluated in <data/>"
            yield c


def digest_cases(text):
    names = {"MD5": "MD5", "SHA1": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384", "SHA512": "SHA-512"}
    encodings = {"HEX": "hex", "BASE64": "base64"}
    row = re.compile(r"\{\s*" + JSTR + r"\s*,\s*(\w+)\s*,\s*" + JSTR + r"\s*,\s*(\w+)\s*,\s*" + JSTR + r"\s*\}")
    for i, line in enumerate(text.splitlines(), 1):
        m = row.search(line)
        if not m:
            continue
        title, algorithm, text_in, encoding, out = m.groups()
        expr = "digest(/data/my-text, '%s', '%s')" % (names[algorithm], encodings[encoding])
        xml = "<data><my-text>%s</my-text></data>" % java_unescape(text_in)
        yield case(expr, "string", java_unescape(out), "%s:%d" % (DIGEST_TEST, i), "DigestTest " + java_unescape(title),
                   context_xml=xml)


GEO5 = ["38.253094215699576 21.756382658677467 0 0", "38.25021274773806 21.756382658677467 0 0",
        "38.25007793942195 21.763892843919166 0 0", "38.25290886154963 21.763935759263404 0 0",
        "38.25146813817506 21.758421137528785 0 0"]
POINTS = "<data>%s</data>" % "".join("<point%d>%s</point%d>" % (i, p, i) for i, p in enumerate(GEO5, 1))
POINTS_CONCAT = "<data>%s<concat>%s</concat><%%s/></data>" % (
    "".join("<point%d>%s</point%d>" % (i, p, i) for i, p in enumerate(GEO5, 1)), ";".join(GEO5))
NINETY_DEGREES_ON_EQUATOR = 2 * 6378100 * math.pi / 4  # GeoUtils.EARTH_EQUATORIAL_CIRCUMFERENCE_METERS / 4
CONCAT5 = "concat(/data/point1, ';', /data/point2, ';', /data/point3, ';', /data/point4, ';', /data/point5)"


def transcribed():
    b64 = "src/test/java/org/javarosa/xpath/expr/Base64DecodeTest.java"
    for line, title, src, out in [(29, "ASCII string", "SGVsbG8=", "Hello"),
                                  (35, "Example from Saxonica", "RGFzc2Vs", "Dassel"),
                                  (41, "String with accented characters", "w6nDqMOx", "\u00e9\u00e8\u00f1"),
                                  (47, "String with emoji", "8J+lsA==", "\U0001f970"),
                                  (53, "UTF-16 encoded string", "AGEAYgBj", "\u0000a\u0000b\u0000c"),
                                  (121, "Invalid base64 string", "a", "")]:
        yield case("base64-decode(/data/text)", "string", out, "%s:%d" % (b64, line), "Base64DecodeTest " + title,
                   context_xml="<data><text>%s</text><decoded/></data>" % src,
                   **({"expected_from": "upstream asserts a null answer (empty)"} if out == "" else {}))
    yield case("base64-decode()", "throws", "XPathUnhandledException", "%s:88" % b64,
               "Base64DecodeTest base64DecodeFunction_throwsWhenNotExactlyOneArg",
               context_xml="<data><text>a</text><decoded/></data>")

    area = "src/test/java/org/javarosa/core/util/GeoAreaTest.java"
    shape = "; ".join(GEO5) + ";"
    yield case("area(/data/polygon)", "number", 151452, area + ":50", "GeoAreaTest area_isComputedForGeoshape",
               context_xml="<data><polygon>%s</polygon><area/></data>" % shape, expected_tolerance=0.5)
    yield case("area(/data/location/point)", "number", 151452, area + ":88",
               "GeoAreaTest area_isComputedForGeopointNodeset",
               context_xml="<data>%s<area/></data>" % "".join("<location><point>%s</point></location>" % p for p in GEO5),
               expected_tolerance=0.5)
    yield case("area(/data/concat)", "number", 151452, area + ":124", "GeoAreaTest area_isComputedForString "
               "(/data/concat holds what the upstream form's calculate %s gives)" % CONCAT5,
               context_xml=POINTS_CONCAT % "area", expected_tolerance=0.5)
    two = "<data><polygon1>%s;</polygon1><polygon2>%s; %s;</polygon2><area1/><area2/></data>" % (GEO5[0], GEO5[0], GEO5[1])
    yield case("area(/data/polygon1)", "number", 0, area + ":151",
               "GeoAreaTest area_whenShapeHasFewerThanThreePoints_isZero", context_xml=two)
    yield case("area(/data/polygon2)", "number", 0, area + ":152",
               "GeoAreaTest area_whenShapeHasFewerThanThreePoints_isZero", context_xml=two)

    dist = "src/test/java/org/javarosa/core/util/GeoDistanceTest.java"
    yield case("distance(/data/location/point)", "number", NINETY_DEGREES_ON_EQUATOR, dist + ":63",
               "GeoDistanceTest distance_isComputedForGeopointNodeset",
               context_xml="<data><location><point>0 1 0 0</point></location><location><point>0 91 0 0</point>"
                           "</location><distance/></data>", expected_tolerance=1e-7)
    yield case("distance(/data/line)", "number", NINETY_DEGREES_ON_EQUATOR, dist + ":88",
               "GeoDistanceTest distance_isComputedForGeotrace",
               context_xml="<data><line>0 1 0 0; 0 91 0 0;</line><distance/></data>", expected_tolerance=1e-7)
    yield case("distance(/data/polygon)", "number", 2 * NINETY_DEGREES_ON_EQUATOR, dist + ":111",
               "GeoDistanceTest distance_isComputedForGeoshape",
               context_xml="<data><polygon>0 1 0 0; 0 91 0 0; 0 1 0 0;</polygon><distance/></data>",
               expected_tolerance=1e-7)
    yield case("distance(/data/concat)", "number", 1801, dist + ":144", "GeoDistanceTest distance_isComputedForString "
               "(/data/concat holds what the upstream form's calculate %s gives)" % CONCAT5,
               context_xml=POINTS_CONCAT % "distance", expected_tolerance=0.5)
    yield case("distance(%s)" % CONCAT5, "number", 1801, dist + ":175",
               "GeoDistanceTest distance_isComputedForInlineString", context_xml=POINTS, expected_tolerance=0.5)
    yield case("distance('foo')", "throws", "XPathTypeMismatchException", dist + ":197",
               "GeoDistanceTest distance_throwsForNonPoint", context_xml="<data><distance/></data>")
    yield case("distance(/data/point1, /data/point2, /data/point3, /data/point4, /data/point5)", "number", 1801,
               dist + ":230", "GeoDistanceTest distance_isComputedForMultiplePathArguments", context_xml=POINTS,
               expected_tolerance=0.5)
    mixed = "<data><point2>%s</point2><point3>%s</point3><point5>%s</point5><distance/></data>" % (
        GEO5[1], GEO5[2], GEO5[4])
    yield case("distance('%s', /data/point2, /data/point3, '%s', /data/point5)" % (GEO5[0], GEO5[3]), "number", 1801,
               dist + ":257", "GeoDistanceTest distance_isComputedForMixedPathAndStringArguments", context_xml=mixed,
               expected_tolerance=0.5)
    yield case("distance(/data/line)", "number", 0, dist + ":280",
               "GeoDistanceTest distance_whenTraceHasFewerThanTwoPoints_isZero",
               context_xml="<data><line>0 1 0 0;</line><distance/></data>")

    tonum = "src/test/java/org/javarosa/xpath/expr/XPathFuncAsSomethingTest.java"
    for line, arg, want in [(29, "  123  ", 123), (30, "  123.0  ", 123), (31, "  123.4  ", 123.4),
                            (32, "  123,4  ", 123.4), (35, "0x12", "NaN")]:
        yield case("number('%s')" % arg, "number", want, "%s:%d" % (tonum, line),
                   "XPathFuncAsSomethingTest toNumericHandlesStrings (toNumeric(\"%s\") as number())" % arg, adapted=True)
    for line, expr, want in [(23, "number(true())", 1), (24, "number(false())", 0)]:
        yield case(expr, "number", want, "%s:%d" % (tonum, line), "XPathFuncAsSomethingTest toNumericHandlesBooleans",
                   adapted=True)

    fmt = "src/test/java/org/javarosa/core/model/utils/test/DateUtilsFormatTests.java"
    for line, dt, want in [(31, "2018-04-01T10:20:30.400", "13"), (34, "2018-01-01T10:20:30.400", "1"),
                           (39, "2017-01-01T10:20:30.400", "52"), (43, "2020-12-29T10:20:30.400", "53")]:
        yield case("format-date('%s', '%%W')" % dt, "string", want, "%s:%d" % (fmt, line),
                   "DateUtilsFormatTests testFormatWeekOfYear (DateUtils.format(..., \"%W\") as format-date())",
                   adapted=True)


def main():
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    out = list(parse_cases(show(git_dir, commit, PARSE_TEST)))
    out += list(digest_cases(show(git_dir, commit, DIGEST_TEST)))
    out += list(transcribed())
    for c in out:
        print(json.dumps(c, ensure_ascii=False))
    print("%d candidate cases" % len(out), file=sys.stderr)


main()
