#!/usr/bin/env python3
"""Writes the status scenarios for the DTKS form: the first sample household entered as answers
(what a preload writes, field by field, cascade parents first), then each existence status with
what it needs (status 1 and 2: the house photo and location); a new household with no ID DTKS; and
NIKs and a No. KK typed with separators. They replay in our engine (`verivali form run`) and in JavaRosa
(`tools/conformance --live`), so relevance and the submission XML can be compared.

    tools/forms/status_scenarios.py   # rewrites test-fixtures/forms/dtks-verivali/scenarios/
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "test-fixtures/forms/dtks-verivali/scenarios"
household = json.loads((root / "test-fixtures/prelist/sample.jsonl").read_text().splitlines()[0])

LOKASI = ["provinsi", "kabupaten", "kecamatan", "desa", "nama_sls", "alamat"]
MEMBER = ["no_art", "nama", "status_keberadaan_art", "nik", "no_kk", "jenis_kelamin",
          "tanggal_lahir", "hubungan_krt", "status_kawin", "nama_ibu_kandung"]


def answer(ref, value):
    return {"op": "answer", "ref": ref, "value": value}


def preload_steps(record):
    steps = [answer("/data/id_dtks", record["id_dtks"])]
    steps += [answer(f"/data/lokasi/{k}", record["lokasi"][k]) for k in LOKASI if k in record["lokasi"]]
    for group in ("perumahan", "program"):
        steps += [answer(f"/data/{group}/{k}", v) for k, v in sorted(record.get(group, {}).items())]
    for i, member in enumerate(record["members"], start=1):
        steps += [answer(f"/data/members[{i}]/{k}", member[k]) for k in MEMBER if k in member]
    return steps


def kyc_steps(record):
    holder = next(m for m in record["members"] if m["no_art"] == record["pengurus"])
    return [
        answer("/data/pengurus", record["pengurus"]),
        answer("/data/kyc/nama", holder["nama"]),
        answer("/data/kyc/nik", holder["nik"]),
        answer("/data/kyc/tanggal_lahir", holder["tanggal_lahir"]),
        answer("/data/kyc/nama_ibu_kandung", holder["nama_ibu_kandung"]),
        answer("/data/kyc/alamat", record["lokasi"]["alamat"]),
    ]


# Status 1 and 2 need the house photo and the location before finalizing (docs/domain.md, evidence).
EVIDENCE = [answer("/data/bukti/foto_depan_rumah", "depan.jpg"),
            answer("/data/bukti/lokasi_rumah", "-8.5833 116.1167 14 4")]


def new_household_steps():
    """A household not in the prelist, complete enough to finalize, with no ID DTKS."""
    member = {"no_art": "1", "nama": "Made Wirawan", "status_keberadaan_art": "1", "nik": "5271011505850003",
              "no_kk": "5271010101250001", "jenis_kelamin": "1", "tanggal_lahir": "1985-05-15",
              "hubungan_krt": "1", "status_kawin": "2", "nama_ibu_kandung": "Ni Luh Sari"}
    lokasi = {"provinsi": "52", "kabupaten": "52.71", "kecamatan": "52.71.01", "desa": "52.71.01.1009",
              "nama_sls": "RT 003 RW 001", "alamat": "Gg. Melati No. 4"}
    record = {"lokasi": lokasi, "members": [member], "pengurus": "1"}
    steps = [answer("/data/status_keberadaan", "2")]
    steps += [answer(f"/data/lokasi/{k}", lokasi[k]) for k in LOKASI]
    steps += [answer(f"/data/members[1]/{k}", member[k]) for k in MEMBER]
    return steps + kyc_steps(record) + EVIDENCE


def separator_steps():
    """NIK and No. KK typed as printed: separators are accepted, anything else still is not."""
    return [answer("/data/members[1]/nik", "5271 0107 1102 697"),   # 15 digits: refused
            answer("/data/members[1]/nik", "5271 0107 1102 6972"),
            answer("/data/members[1]/no_kk", "5271.0130.0426.3067"),
            answer("/data/members[2]/nik", "5271-0114-1220-2314"),
            answer("/data/kyc/nik", "5271/0107/1102/6972"),           # a slash is not a separator: refused
            answer("/data/kyc/nik", "52.71.01 071102 6972")]


base = preload_steps(household)
scenarios = {
    "status-1": base + [answer("/data/status_keberadaan", "1")] + kyc_steps(household) + EVIDENCE,
    "status-2": base + [answer("/data/status_keberadaan", "2"),
                        answer("/data/members[2]/status_kawin", "2")] + kyc_steps(household) + EVIDENCE,
    "status-3": base + [answer("/data/status_keberadaan", "3"),
                        answer("/data/alasan_tidak_ditemukan", "Pindah ke luar kota")],
    "status-4": base + [answer("/data/status_keberadaan", "4")],
    "status-5": base + [answer("/data/status_keberadaan", "5"),
                        answer("/data/id_dtks_ganda", "5271011009000002")],
    "new-household": [answer("/data/status_keberadaan", "2"),
                      answer("/data/members[1]/no_art", "1"),
                      answer("/data/members[1]/nama", "Made Wirawan"),
                      answer("/data/members[1]/hubungan_krt", "1")],
    "new-household-without-id": new_household_steps(),
    "nik-separators": base + [answer("/data/status_keberadaan", "2")] + kyc_steps(household)
                      + separator_steps() + EVIDENCE,
}
out.mkdir(parents=True, exist_ok=True)
for name, steps in scenarios.items():
    scenario = {
        "form": "form.xml",
        "initial_snapshot": False,
        "tz": "Asia/Jakarta",
        "locale": "id-ID",
        "nondeterministic_refs": ["/data/meta/instanceID", "/data/tanggal_kunjungan", "/data/id_sementara"],
        "steps": steps,
    }
    (out / f"scenario.{name}.json").write_text(json.dumps(scenario, indent=1, ensure_ascii=False) + "\n")
print(f"{len(scenarios)} scenarios in {out.relative_to(root)}")
