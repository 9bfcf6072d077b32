#!/usr/bin/env python3
"""Recomputes the receiver's ratification recap independently, from its raw exports (issue 19).

Reads the prelist (JSON Lines), the receiver's household and member exports
(`verivali serve report export --rows households|members --format csv`: the raw answers of every
current interview with its review state) and checks, desa by desa and for each kab/kota, that the
recap the receiver wrote (`serve report recap --format json`, and `--format csv`, and optionally
`--format xlsx` through openpyxl) holds the same numbers and the same lists:

- only interviews whose review state is `approved` count; one per household (its latest approved
  interview, by received time then instanceID); every other current interview is pending;
- households per status keberadaan 1-5 (the raw `/data/status_keberadaan` answer); new households
  (no ID DTKS);
- members added (status ART 4), removed (3, 5, 6) and deceased (2), from the member export;
- KYC complete: status 1 or 2 and every `/data/kyc/...` answer (but the info note) filled in;
- the lists: stay (status 1, 2), proposed for removal (3, 4, 5), new households, each with its
  head (the member with relationship 1 who lives there, else the first with relationship 1) and
  its address (the KYC address the household gave, else the prelist's);
- a prelist household counts in its prelist desa, a new one in the desa its interview names.

Nothing here imports Verivali's code. Exits 1 and prints every difference when one is found.
"""

import argparse
import csv
import json
import sys
from collections import defaultdict

FIELDS = [
    "prelist", "approved", "status_1", "status_2", "status_3", "status_4", "status_5",
    "new_households", "members_added", "members_removed", "members_deceased",
    "kyc_complete", "kyc_required", "pending", "returned",
]
KYC = ["/data/kyc/nama", "/data/kyc/nik", "/data/kyc/tanggal_lahir", "/data/kyc/nama_ibu_kandung", "/data/kyc/alamat"]


def kabupaten(desa):
    return ".".join(desa.split(".")[:2])


def kecamatan(desa):
    return ".".join(desa.split(".")[:3])


def recompute(prelist_path, households_path, members_path):
    counts = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    prelist = {}
    with open(prelist_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                counts[record["lokasi"]["desa"]]["prelist"] += 1
                prelist[record["id_dtks"]] = record
    member_changes = defaultdict(lambda: [0, 0, 0])  # added, removed, deceased per instanceID
    heads = {}  # instanceID -> (lives there, name)
    with open(members_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            status = row["members/status_keberadaan_art"]
            if row["members/hubungan_krt"] == "1":
                living = status in ("1", "4")
                known = heads.get(row["instanceID"])
                if known is None or (living and not known[0]):
                    heads[row["instanceID"]] = (living, row["members/nama"] or None)
            changes = member_changes[row["instanceID"]]
            if status == "4":
                changes[0] += 1
            elif status in ("3", "5", "6"):
                changes[1] += 1
            elif status == "2":
                changes[2] += 1
    with open(households_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    def desa_of(row):
        known = prelist.get(row["/data/id_dtks"])
        return known["lokasi"]["desa"] if known else row["/data/lokasi/desa"]

    approved_by_household = {}
    for row in rows:
        desa = desa_of(row)
        state = row["status_pemeriksaan/review_state"]
        if state != "approved":
            counts[desa]["pending"] += 1
            counts[desa]["returned"] += state == "returned"
            continue
        key = row["/data/id_dtks"] or row["instanceID"]
        best = approved_by_household.get(key)
        rank = (row["diterima_utc/received_at_utc"], row["instanceID"])
        if best is None or rank > (best["diterima_utc/received_at_utc"], best["instanceID"]):
            approved_by_household[key] = row
    lists = defaultdict(lambda: {"stay": set(), "removal": set(), "new": set()})
    for row in approved_by_household.values():
        desa = desa_of(row)
        c = counts[desa]
        c["approved"] += 1
        status = row["/data/status_keberadaan"]
        if status in ("1", "2", "3", "4", "5"):
            c["status_" + status] += 1
        new = row["/data/id_dtks"] == ""
        c["new_households"] += new
        added, removed, deceased = member_changes[row["instanceID"]]
        c["members_added"] += added
        c["members_removed"] += removed
        c["members_deceased"] += deceased
        if status in ("1", "2"):
            c["kyc_required"] += 1
            c["kyc_complete"] += all(row[k].strip() for k in KYC)
        reason = ""
        if status == "3":
            reason = row["/data/alasan_tidak_ditemukan"] or None
        elif status == "5":
            reason = row["/data/id_dtks_ganda"] or None
        known = prelist.get(row["/data/id_dtks"])
        address = row["/data/kyc/alamat"] or (known["lokasi"].get("alamat") if known else None) or None
        head = heads.get(row["instanceID"], (False, None))[1]
        entry = (row["instanceID"], row["/data/id_dtks"] or None, status, reason or None, head, address)
        kab = lists[kabupaten(desa)]
        if new:
            kab["new"].add(entry)
        elif status in ("1", "2"):
            kab["stay"].add(entry)
        elif status in ("3", "4", "5"):
            kab["removal"].add(entry)
    return counts, lists


def roll_up(counts):
    """The kecamatan and kab/kota rows from the desa rows."""
    levels = {"desa": dict(counts), "kecamatan": defaultdict(lambda: dict.fromkeys(FIELDS, 0)),
              "kabupaten": defaultdict(lambda: dict.fromkeys(FIELDS, 0))}
    for desa, c in counts.items():
        for level, code in (("kecamatan", kecamatan(desa)), ("kabupaten", kabupaten(desa))):
            for field in FIELDS:
                levels[level][code][field] += c[field]
    return levels


def from_json(recap):
    """The receiver's recap JSON as rows per level and lists per kab/kota."""
    def flat(counts):
        row = {k: counts[k] for k in FIELDS if k in counts and k != "status"}
        for i, n in enumerate(counts["status"]):
            row["status_%d" % (i + 1)] = n
        return row

    levels = {"desa": {}, "kecamatan": {}, "kabupaten": {}}
    lists = {}
    for k in recap["kabupaten"]:
        levels["kabupaten"][k["code"]] = flat(k["total"])
        for r in k["kecamatan"]:
            levels["kecamatan"][r["code"]] = flat(r["counts"])
        for r in k["desa"]:
            levels["desa"][r["code"]] = flat(r["counts"])
        lists[k["code"]] = {
            name: {(l["instance_id"], l["id_dtks"], l["status"], l["reason"], l["head_name"], l["address"])
                   for l in k[name]}
            for name in ("stay", "removal", "new")
        }
    return levels, lists


def from_table(rows):
    """Rows of the recap CSV or XLSX (level, code, name, counts...) per level."""
    levels = {"desa": {}, "kecamatan": {}, "kabupaten": {}}
    for row in rows:
        level, code = row[0], row[1]
        levels[level][code] = {field: int(float(v)) for field, v in zip(FIELDS, row[3:3 + len(FIELDS)])}
    return levels


def compare(name, expected, got, problems):
    for level in ("desa", "kecamatan", "kabupaten"):
        want, have = expected[level], got[level]
        for code in sorted(set(want) | set(have)):
            if code not in have or code not in want:
                problems.append(f"{name}: {level} {code} only in {'the recomputation' if code in want else 'the recap'}")
                continue
            for field in FIELDS:
                if want[code][field] != have[code][field]:
                    problems.append(f"{name}: {level} {code} {field}: recomputed {want[code][field]}, recap {have[code][field]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prelist", required=True)
    parser.add_argument("--households", required=True)
    parser.add_argument("--members", required=True)
    parser.add_argument("--recap-json", required=True)
    parser.add_argument("--recap-csv")
    parser.add_argument("--recap-xlsx")
    args = parser.parse_args()

    counts, lists = recompute(args.prelist, args.households, args.members)
    expected = roll_up(counts)
    with open(args.recap_json, encoding="utf-8") as f:
        recap_levels, recap_lists = from_json(json.load(f))
    problems = []
    compare("json", expected, recap_levels, problems)
    for kab in sorted(set(lists) | set(recap_lists)):
        for name in ("stay", "removal", "new"):
            want = lists.get(kab, {}).get(name, set())
            have = recap_lists.get(kab, {}).get(name, set())
            for entry in sorted(want - have, key=str):
                problems.append(f"list {kab} {name}: missing from the recap (or differs): {entry[0]}")
            for entry in sorted(have - want, key=str):
                problems.append(f"list {kab} {name}: not in the recomputation (or differs): {entry[0]}")
    if args.recap_csv:
        with open(args.recap_csv, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))[1:]
        compare("csv", expected, from_table(rows), problems)
    if args.recap_xlsx:
        import openpyxl

        book = openpyxl.load_workbook(args.recap_xlsx, read_only=True)
        rows = [[str(c) if c is not None else "" for c in row] for row in book["Rekap"].iter_rows(min_row=2, values_only=True)]
        compare("xlsx", expected, from_table(rows), problems)
        for sheet, name in (("Tetap", "stay"), ("Usul keluar", "removal"), ("Baru", "new")):
            # The list sheets: ID DTKS, desa code, desa, head, address, status, reason, enumerator, instanceID.
            listed = {(r[8], r[0] or None, r[5] or None, r[3] or None, r[4] or None)
                      for r in book[sheet].iter_rows(min_row=2, values_only=True)}
            want = {(e[0], e[1], e[2], e[4], e[5]) for kab in lists.values() for e in kab[name]}
            if listed != want:
                problems.append(f"xlsx sheet {sheet}: {len(listed ^ want)} rows differ from the recomputation")
    total = {field: sum(c[field] for c in expected["kabupaten"].values()) for field in FIELDS}
    if problems:
        print("\n".join(problems[:200]))
        print(f"{len(problems)} differences", file=sys.stderr)
        sys.exit(1)
    entries = sum(len(v) for kab in lists.values() for v in kab.values())
    print(f"recap recomputed: {len(expected['desa'])} desa, {total['approved']} approved households, "
          f"{total['pending']} pending, {entries} listed; all equal")


if __name__ == "__main__":
    main()
