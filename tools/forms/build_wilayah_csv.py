#!/usr/bin/env python3
"""Builds the cascading-select CSVs of the DTKS verivali form from the Kemendagri region codes.

    build_wilayah_csv.py WILAYAH_DIR OUT_DIR

Reads provinces.csv, regencies.csv, districts.csv and villages.csv (test-fixtures/wilayah, see its
SOURCE.md) and writes provinsi.csv, kabupaten.csv, kecamatan.csv and desa.csv with the columns
`name,label[,<parent>]` that the form's select_one_from_file questions and choice filters use:

    provinsi.csv   name,label                52,Nusa Tenggara Barat
    kabupaten.csv  name,label,provinsi       52.71,Kota Mataram,52
    kecamatan.csv  name,label,kabupaten      52.71.01,Ampenan,52.71
    desa.csv       name,label,kecamatan      52.71.01.1009,<desa>,52.71.01

Codes stay dotted, exactly as the prelist's lokasi/* values. Rows are sorted by code; output is
UTF-8, `\\n` line ends, RFC 4180 quoting only where needed, so the files are byte-for-byte
reproducible. Every parent code is checked to exist.
"""
import csv
import re
import sys
from pathlib import Path

LEVELS = [
    # source file, parent-code column in it, output file, parent column in the output, code pattern
    ("provinces.csv", None, "provinsi.csv", None, r"\d{2}"),
    ("regencies.csv", "province_code", "kabupaten.csv", "provinsi", r"\d{2}\.\d{2}"),
    ("districts.csv", "regency_code", "kecamatan.csv", "kabupaten", r"\d{2}\.\d{2}\.\d{2}"),
    ("villages.csv", "district_code", "desa.csv", "kecamatan", r"\d{2}\.\d{2}\.\d{2}\.\d{4}"),
]


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    parents: set[str] | None = None
    for source, parent_src, target, parent_out, pattern in LEVELS:
        with open(src / source, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        codes = set()
        result = []
        for n, row in enumerate(rows, start=2):
            code, name = row["code"].strip(), row["name"].strip()
            where = f"{src / source}:{n}"
            if not re.fullmatch(pattern, code):
                raise SystemExit(f"{where}: bad code {code!r}")
            if not name:
                raise SystemExit(f"{where}: empty name for {code}")
            if code in codes:
                raise SystemExit(f"{where}: duplicate code {code}")
            codes.add(code)
            out_row = [code, name]
            if parent_src:
                parent = row[parent_src].strip()
                if parent not in parents or not code.startswith(parent + "."):
                    raise SystemExit(f"{where}: {code} has unknown parent {parent!r}")
                out_row.append(parent)
            result.append(out_row)
        result.sort(key=lambda r: r[0])
        header = ["name", "label"] + ([parent_out] if parent_out else [])
        with open(out / target, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(result)
        print(f"{target}: {len(result)} rows")
        parents = codes
    return 0


if __name__ == "__main__":
    sys.exit(main())
