//! The household-level rules: existence status against the preload and the prelist, the
//! members' identity fields, consistency (one head, plausible ages), and for active households
//! the pengurus (account holder) and the KYC block (docs/domain.md: status keberadaan, pengurus, KYC).

use super::{
    Date, Finding, Household, LookupFailed, Member, PrelistLookup, Severity,
    facts::{Field, text},
    names::check_name,
    nik::{self, Holder},
};

/// The own ID DTKS, then existence status 1–5 against the preload diff, the duplicate reference
/// and the members.
pub(super) fn status(
    h: &Household,
    prelist: &dyn PrelistLookup,
) -> Result<Vec<Finding>, LookupFailed> {
    let mut out: Vec<Finding> = own_id(h, prelist)?.into_iter().collect();
    let Some(status) = h.status_code() else { return Ok(out) };
    let at = h.status.as_ref().map(|f| f.reference.as_str()).unwrap_or_default();
    match (status, h.changed) {
        (1, Some(true)) => out.push(
            Finding::new(
                "status.1_changed",
                Severity::Warning,
                "Status 1 (tidak ada update), padahal ada data yang berubah: mungkin status 2?",
                "Status 1 (no update), yet some data changed: should it be status 2?",
            )
            .at(at)
            .suggesting("2"),
        ),
        (2, Some(false)) => out.push(
            Finding::new(
                "status.2_unchanged",
                Severity::Warning,
                "Status 2 (ada update), padahal tidak ada data yang berubah: mungkin status 1?",
                "Status 2 (updated), yet no data changed: should it be status 1?",
            )
            .at(at)
            .suggesting("1"),
        ),
        (1 | 3 | 4 | 5, None) => out.push(
            Finding::new(
                "status.new_household",
                Severity::Error,
                "Rumah tangga usulan baru dicatat dengan status 2 (ditemukan, ada update).",
                "A new household (usulan baru) is recorded with status 2 (found, updated).",
            )
            .at(at)
            .suggesting("2"),
        ),
        _ => {}
    }
    if status == 5 {
        out.extend(duplicate(h, prelist)?);
    }
    let all_deceased = !h.members.is_empty() && h.members.iter().all(Member::is_deceased);
    if all_deceased && status != 3 {
        out.push(
            Finding::new(
                "status.all_deceased",
                Severity::Error,
                "Semua anggota meninggal: status rumah tangga harus 3 (tidak ditemukan).",
                "Every member has died: the household's status must be 3 (not found).",
            )
            .at(at)
            .suggesting("3"),
        );
    }
    Ok(out)
}

/// The household's own ID DTKS. A prelist household keeps the one it was preloaded with. A new
/// household needs none (the form gives it a provisional identifier; the office assigns the
/// registry's), and one typed in that belongs to a prelist household is most likely that
/// household, visited as a proposal by mistake: the warning names it by its ID DTKS only.
fn own_id(h: &Household, prelist: &dyn PrelistLookup) -> Result<Option<Finding>, LookupFailed> {
    let at = h.id_dtks.as_ref().or(h.status.as_ref()).map(|f| f.reference.as_str());
    let at = at.unwrap_or_default();
    let Some(id) = text(&h.id_dtks) else {
        // A form without an `id_dtks` field has nothing to clear.
        return Ok((h.id_dtks.is_some() && h.changed.is_some()).then(|| {
            Finding::new(
                "status.id_dtks_cleared",
                Severity::Error,
                "ID DTKS dari prelist tidak boleh dikosongkan.",
                "The ID DTKS from the prelist cannot be cleared.",
            )
            .at(at)
        }));
    };
    if h.changed.is_some() || prelist.household_members(id)?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        Finding::new(
            "status.new_household_in_prelist",
            Severity::Warning,
            &format!(
                "ID DTKS {id} milik rumah tangga lain dalam prelist. Usulan baru tidak memerlukan ID DTKS: \
                 kosongkan, atau kunjungi rumah tangga {id} dari prelist."
            ),
            &format!(
                "ID DTKS {id} belongs to another household of the prelist. A new household needs no ID DTKS: \
                 clear it, or visit household {id} from the prelist."
            ),
        )
        .at(at),
    ))
}

/// Status 5 needs another household of the prelist, with matching KPM data.
fn duplicate(h: &Household, prelist: &dyn PrelistLookup) -> Result<Vec<Finding>, LookupFailed> {
    let at = h.duplicate_of.as_ref().or(h.status.as_ref()).map(|f| f.reference.clone());
    let finding = |rule, severity, id: &str, en: &str| {
        let f = Finding::new(rule, severity, id, en);
        match &at {
            Some(reference) => f.at(reference),
            None => f,
        }
    };
    let Some(other) = text(&h.duplicate_of) else {
        return Ok(vec![finding(
            "status.5_no_id",
            Severity::Error,
            "Status 5 (ganda) memerlukan ID DTKS rumah tangga lain yang sama.",
            "Status 5 (duplicate) needs the ID DTKS of the other, identical household.",
        )]);
    };
    if text(&h.id_dtks) == Some(other) {
        return Ok(vec![finding(
            "status.5_own_id",
            Severity::Error,
            "ID DTKS ganda tidak boleh sama dengan ID rumah tangga ini.",
            "The duplicate's ID DTKS cannot be this household's own.",
        )]);
    }
    let Some(their_members) = prelist.household_members(other)? else {
        return Ok(vec![finding(
            "status.5_unknown_id",
            Severity::Error,
            "ID DTKS ganda tidak ada dalam prelist.",
            "The duplicate's ID DTKS is not in the prelist.",
        )]);
    };
    let ours: Vec<(String, String)> = h
        .members
        .iter()
        .map(|m| {
            let nik = text(&m.nik).map(nik::clean).unwrap_or_default();
            (nik, text(&m.name).map(comparable).unwrap_or_default())
        })
        .collect();
    let matches = their_members.iter().any(|(their_nik, their_name)| {
        ours.iter().any(|(nik, name)| {
            (!nik.is_empty() && nik == their_nik)
                || (!name.is_empty() && *name == comparable(their_name))
        })
    });
    if matches {
        Ok(Vec::new())
    } else {
        Ok(vec![finding(
            "status.5_no_match",
            Severity::Warning,
            "Tidak ada anggota (NIK atau nama) yang sama dengan rumah tangga ganda; periksa ID DTKS-nya.",
            "No member (NIK or name) matches the duplicate household; check its ID DTKS.",
        )])
    }
}

fn comparable(name: &str) -> String {
    super::normalize_name(name).to_uppercase()
}

/// Each member's NIK, No. KK and names; duplicate NIKs in the household and the prelist.
pub(super) fn members(
    h: &Household,
    prelist: &dyn PrelistLookup,
    today: Date,
) -> Result<Vec<Finding>, LookupFailed> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let own_id = text(&h.id_dtks);
    for member in &h.members {
        if let Some(field) = answered(&member.nik) {
            let holder = Holder { female: member.is_female(), dob: member.birth_date() };
            out.extend(nik::check_nik(&field.reference, &field.value, holder, today));
            let digits = nik::clean(&field.value);
            if seen.contains(&digits) {
                out.push(
                    Finding::new(
                        "nik.duplicate_in_household",
                        Severity::Error,
                        "NIK ini sudah dipakai anggota lain di rumah tangga ini.",
                        "Another member of this household already has this NIK.",
                    )
                    .at(&field.reference),
                );
            } else if nik::parse_nik(&digits).is_ok() {
                out.extend(elsewhere_in_prelist(&digits, own_id, field, prelist)?);
            }
            seen.push(digits);
        }
        if let Some(field) = answered(&member.no_kk) {
            out.extend(nik::check_kk(&field.reference, &field.value, today));
        }
        for name in [&member.name, &member.mother_maiden_name].into_iter().filter_map(answered) {
            out.extend(check_name(&name.reference, &name.value));
        }
    }
    Ok(out)
}

fn elsewhere_in_prelist(
    digits: &str,
    own_id: Option<&str>,
    field: &Field,
    prelist: &dyn PrelistLookup,
) -> Result<Option<Finding>, LookupFailed> {
    let others: Vec<String> = prelist
        .households_with_nik(digits)?
        .into_iter()
        .filter(|id| Some(id.as_str()) != own_id)
        .collect();
    let Some(first) = others.first() else { return Ok(None) };
    Ok(Some(
        Finding::new(
            "nik.duplicate_in_prelist",
            Severity::Warning,
            "NIK ini juga ada di rumah tangga lain dalam prelist: mungkin data ganda (status 5)?",
            "This NIK also belongs to another household of the prelist: a duplicate (status 5)?",
        )
        .at(&field.reference)
        .suggesting(first.clone()),
    ))
}

fn answered(field: &Option<Field>) -> Option<&Field> {
    field.as_ref().filter(|f| !f.value.trim().is_empty())
}

/// One head among the members present, at most one spouse without a warning, plausible ages.
pub(super) fn consistency(h: &Household, today: Date) -> Vec<Finding> {
    let present: Vec<&Member> = h.members.iter().filter(|m| m.is_present()).collect();
    let mut out = Vec::new();
    let at = h.members.first().map(|m| m.reference.as_str()).unwrap_or_default();
    let heads: Vec<&&Member> = present.iter().filter(|m| m.is_head()).collect();
    match heads.len() {
        0 if !present.is_empty() => out.push(
            Finding::new(
                "household.no_head",
                Severity::Error,
                "Tidak ada kepala rumah tangga di antara anggota yang masih ada.",
                "No head of household among the members still present.",
            )
            .at(at),
        ),
        2.. => out.push(
            Finding::new(
                "household.many_heads",
                Severity::Error,
                "Hanya satu anggota boleh menjadi kepala rumah tangga.",
                "Only one member can be the head of household.",
            )
            .at(&heads[1].reference),
        ),
        _ => {}
    }
    let spouses = present.iter().filter(|m| text(&m.relationship) == Some("2")).count();
    if spouses > 1 {
        out.push(
            Finding::new(
                "household.many_spouses",
                Severity::Warning,
                "Lebih dari satu istri/suami kepala rumah tangga; pastikan benar.",
                "More than one spouse of the head; make sure this is right.",
            )
            .at(at),
        );
    }
    let head_birth = heads.first().and_then(|m| m.birth_date());
    for member in &h.members {
        let Some(born) = member.birth_date() else { continue };
        let dob_at = member.dob.as_ref().map(|f| f.reference.as_str()).unwrap_or_default();
        if born > today {
            out.push(
                Finding::new(
                    "member.dob_future",
                    Severity::Error,
                    "Tanggal lahir di masa depan.",
                    "The date of birth is in the future.",
                )
                .at(dob_at),
            );
        } else if born.age_on(today) > 110 {
            out.push(
                Finding::new(
                    "member.age_implausible",
                    Severity::Warning,
                    "Umur lebih dari 110 tahun; periksa tanggal lahir.",
                    "Older than 110; check the date of birth.",
                )
                .at(dob_at),
            );
        }
        if member.is_child() && member.is_present() && head_birth.is_some_and(|head| born < head) {
            out.push(
                Finding::new(
                    "household.child_older_than_head",
                    Severity::Warning,
                    "Anak lebih tua dari kepala rumah tangga; periksa hubungan atau tanggal lahir.",
                    "A child is older than the head; check the relationship or the dates of birth.",
                )
                .at(dob_at),
            );
        }
    }
    out
}

/// An adult under the population law: 17 or older, or ever married.
fn is_adult(member: &Member, today: Date) -> bool {
    member.ever_married() || member.birth_date().is_some_and(|born| born.age_on(today) >= 17)
}

/// Who should hold the account when the pengurus cannot: an adult daughter, else an adult son,
/// else the head (the pocket book's order).
pub fn successor<'h>(h: &'h Household, except: Option<&str>, today: Date) -> Option<&'h Member> {
    let candidates = || {
        h.members.iter().filter(move |m| {
            m.is_present() && text(&m.member_no).is_some() && text(&m.member_no) != except
        })
    };
    let adult_child = |female| {
        candidates().find(|m| m.is_child() && m.is_female() == Some(female) && is_adult(m, today))
    };
    adult_child(true).or_else(|| adult_child(false)).or_else(|| candidates().find(|m| m.is_head()))
}

/// The pengurus of an active household: chosen, a member, present, adult.
pub(super) fn pengurus(h: &Household, today: Date) -> Vec<Finding> {
    let at = h.pengurus.as_ref().map(|f| f.reference.as_str()).unwrap_or_default();
    let suggest = |finding: Finding, except: Option<&str>| match successor(h, except, today) {
        Some(next) => finding.suggesting(text(&next.member_no).unwrap_or_default()),
        None => finding,
    };
    let Some(number) = text(&h.pengurus) else {
        let missing = Finding::new(
            "pengurus.missing",
            Severity::Error,
            "Pilih pengurus (pemegang rekening) dari anggota rumah tangga.",
            "Choose the pengurus (account holder) among the members.",
        )
        .at(at);
        return vec![suggest(missing, None)];
    };
    let Some(member) = h.members.iter().find(|m| text(&m.member_no) == Some(number)) else {
        let stranger = Finding::new(
            "pengurus.not_member",
            Severity::Error,
            "Pengurus harus anggota rumah tangga ini.",
            "The pengurus must be a member of this household.",
        )
        .at(at);
        return vec![suggest(stranger, Some(number))];
    };
    if !member.is_present() {
        let gone = Finding::new(
            "pengurus.not_present",
            Severity::Error,
            "Pengurus sudah meninggal atau pindah: pilih pengganti (anak perempuan dewasa, anak laki-laki dewasa, lalu kepala keluarga).",
            "The pengurus has died or moved out: choose a successor (adult daughter, adult son, then the head).",
        )
        .at(at);
        return vec![suggest(gone, Some(number))];
    }
    if !is_adult(member, today) {
        return vec![
            Finding::new(
                "pengurus.not_adult",
                Severity::Error,
                "Pengurus harus berumur 17 tahun ke atas atau pernah kawin.",
                "The pengurus must be 17 or older, or ever married.",
            )
            .at(at),
        ];
    }
    Vec::new()
}

/// The KYC block: a valid NIK of the pengurus, consistent with the answers; clean names.
pub(super) fn kyc(h: &Household, today: Date) -> Vec<Finding> {
    let mut out = Vec::new();
    let holder_member =
        text(&h.pengurus).and_then(|n| h.members.iter().find(|m| text(&m.member_no) == Some(n)));
    if let Some(field) = answered(&h.kyc.nik) {
        let holder = Holder {
            female: holder_member.and_then(Member::is_female),
            dob: text(&h.kyc.dob).and_then(Date::parse),
        };
        out.extend(nik::check_nik(&field.reference, &field.value, holder, today));
        let member_nik = holder_member.and_then(|m| text(&m.nik)).map(nik::clean);
        if member_nik.is_some_and(|theirs| theirs != nik::clean(&field.value)) {
            out.push(
                Finding::new(
                    "kyc.nik_not_pengurus",
                    Severity::Error,
                    "NIK pada KYC berbeda dengan NIK anggota yang dipilih sebagai pengurus.",
                    "The KYC NIK differs from the NIK of the member chosen as pengurus.",
                )
                .at(&field.reference),
            );
        }
    }
    for name in [&h.kyc.name, &h.kyc.mother_maiden_name].into_iter().filter_map(answered) {
        out.extend(check_name(&name.reference, &name.value));
    }
    out
}
