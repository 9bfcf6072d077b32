#!/usr/bin/env python3
"""Writes the status scenarios for the DTKS form: the first sample household entered as answers
(what a preload writes, field by field, cascade parents first), then each existence status with
what it needs. They replay in our engine (`verivali form run`) and in JavaRosa
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


base = preload_steps(household)
scenarios = {
    "status-1": base + [answer("/data/status_keberadaan", "1")] + kyc_steps(household),
    "status-2": base + [answer("/data/status_keberadaan", "2"),
                        answer("/data/members[2]/status_kawin", "2")] + kyc_steps(household),
    "status-3": base + [answer("/data/status_keberadaan", "3"),
                        answer("/data/alasan_tidak_ditemukan", "Pindah ke luar kota")],
    "status-4": base + [answer("/data/status_keberadaan", "4")],
    "status-5": base + [answer("/data/status_keberadaan", "5"),
                        answer("/data/id_dtks_ganda", "5271011009000002")],
    "new-household": [answer("/data/status_keberadaan", "2"),
                      answer("/data/members[1]/no_art", "1"),
                      answer("/data/members[1]/nama", "Made Wirawan"),
                      answer("/data/members[1]/hubungan_krt", "1")],
}
out.mkdir(parents=True, exist_ok=True)
for name, steps in scenarios.items():
    scenario = {
        "form": "form.xml",
        "initial_snapshot": False,
        "tz": "Asia/Jakarta",
        "locale": "id-ID",
        "nondeterministic_refs": ["/data/meta/instanceID", "/data/tanggal_kunjungan"],
        "steps": steps,
    }
    (out / f"scenario.{name}.json").write_text(json.dumps(scenario, indent=1, ensure_ascii=False) + "\n")
print(f"{len(scenarios)} scenarios in {out.relative_to(root)}")
