#!/usr/bin/env python3
"""Converts an XLSForm (here pyxform's markdown format) to an XForm with pyxform, running ODK Validate.

    xlsform_to_xform.py FORM.md FORM.xml

A comment line `#! meta-file NAME` in FORM.md declares a binary field `meta/NAME` that the device
fills with the name of a file it attaches, the way pyxform declares `meta/audit` for ODK Collect's
audit log. pyxform reserves the name `meta` for itself, so the field is added to the converted
XForm here, and ODK Validate then checks the final XForm again.

Run with the Python that has pyxform installed (tools/forms/generate.sh sets that up). Exits 1,
writing nothing, on a pyxform error, an ODK Validate error or any warning from either (a form
that converts with warnings is not accepted). Java must be on PATH for ODK Validate.
"""
import re
import sys
import tempfile
from pathlib import Path

from pyxform import __version__ as pyxform_version
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError, check_xform
from pyxform.xls2xform import convert


def significant(warning: str) -> bool:
    """ODK Validate reports its stderr as a warning; JVM banners there are not about the form."""
    lines = [l for l in warning.splitlines() if l.strip()]
    if lines and lines[0].startswith("ODK Validate Warnings:"):
        lines = lines[1:]
    return any(not l.startswith(("Picked up JAVA_TOOL_OPTIONS", "Picked up _JAVA_OPTIONS")) for l in lines)


def meta_files(source: str) -> list[str]:
    """The names declared with `#! meta-file NAME` lines."""
    names = []
    for line in Path(source).read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#!\s*meta-file\s+([A-Za-z_][A-Za-z0-9_]*)\s*", line.strip())
        if match:
            names.append(match.group(1))
    return names


def add_meta_file(xform: str, name: str) -> str:
    """Adds `<NAME/>` to the primary instance's meta block (after instanceID) and its binary bind
    (after the instanceID bind), keeping pyxform's indentation."""
    meta = re.search(r"\n(\s*)<instanceID/>\n", xform)
    bind = re.search(r'\n(\s*)<bind nodeset="(/[^/"]+)/meta/instanceID"[^\n]*\n', xform)
    if not meta or not bind:
        raise ValueError("the XForm has no meta/instanceID to put a meta file field beside")
    xform = xform[: meta.end()] + f"{meta.group(1)}<{name}/>\n" + xform[meta.end():]
    bind = re.search(r'\n(\s*)<bind nodeset="(/[^/"]+)/meta/instanceID"[^\n]*\n', xform)
    line = f'{bind.group(1)}<bind nodeset="{bind.group(2)}/meta/{name}" type="binary"/>\n'
    return xform[: bind.end()] + line + xform[bind.end():]


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
    xform = result.xform
    extra = meta_files(source)
    for name in extra:
        xform = add_meta_file(xform, name)
    if extra:
        with tempfile.TemporaryDirectory() as scratch:
            final = Path(scratch) / "form.xml"
            final.write_text(xform, encoding="utf-8")
            try:
                problems = [w for w in (check_xform(str(final)) or []) if significant(w)]
            except ODKValidateError as e:
                print(f"{source}: ODK Validate rejected the XForm with its meta files:\n{e}", file=sys.stderr)
                return 1
        if problems:
            print(f"{source}: ODK Validate warnings on the XForm with its meta files:", file=sys.stderr)
            for w in problems:
                print(f"  - {w}", file=sys.stderr)
            return 1
    with open(target, "w", encoding="utf-8", newline="\n") as f:
        f.write(xform)
        if not xform.endswith("\n"):
            f.write("\n")
    print(f"{Path(target).name}: converted from {Path(source).name} by pyxform {pyxform_version}; ODK Validate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
