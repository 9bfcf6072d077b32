#!/usr/bin/env python3
"""Converts an XLSForm (here pyxform's markdown format) to an XForm with pyxform, running ODK Validate.

    xlsform_to_xform.py FORM.md FORM.xml

Run with the Python that has pyxform installed (tools/forms/generate.sh sets that up). Exits 1,
writing nothing, on a pyxform error, an ODK Validate error or any warning from either (a form
that converts with warnings is not accepted). Java must be on PATH for ODK Validate.
"""
import sys
from pathlib import Path

from pyxform import __version__ as pyxform_version
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert


def significant(warning: str) -> bool:
    """ODK Validate reports its stderr as a warning; JVM banners there are not about the form."""
    lines = [l for l in warning.splitlines() if l.strip()]
    if lines and lines[0].startswith("ODK Validate Warnings:"):
        lines = lines[1:]
    return any(not l.startswith(("Picked up JAVA_TOOL_OPTIONS", "Picked up _JAVA_OPTIONS")) for l in lines)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: xlsform_to_xform.py FORM.md FORM.xml", file=sys.stderr)
        return 2
    source, target = sys.argv[1], sys.argv[2]
    warnings: list[str] = []
    try:
        result = convert(xlsform=source, validate=True, pretty_print=True, warnings=warnings)
    except ODKValidateError as e:
        print(f"{source}: ODK Validate rejected the XForm:\n{e}", file=sys.stderr)
        return 1
    except (PyXFormError, OSError) as e:
        print(f"{source}: pyxform {pyxform_version}: {e}", file=sys.stderr)
        return 1
    problems = [w for w in warnings if significant(w)]
    if problems:
        print(f"{source}: pyxform {pyxform_version} / ODK Validate warnings (fix the form):", file=sys.stderr)
        for w in problems:
            print(f"  - {w}", file=sys.stderr)
        return 1
    with open(target, "w", encoding="utf-8", newline="\n") as f:
        f.write(result.xform)
        if not result.xform.endswith("\n"):
            f.write("\n")
    print(f"{Path(target).name}: converted from {Path(source).name} by pyxform {pyxform_version}; ODK Validate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
