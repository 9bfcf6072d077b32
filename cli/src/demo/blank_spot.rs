//! The demo's blank spot (issue 18): a second enumerator and the pengawas get phones; without
//! signal both enumerators hand their visits to the pengawas's phone by signed bundle, the
//! pengawas returns one with a comment by bundle, the enumerator corrects it and hands the
//! correction over, the pengawas approves; back in signal, the pengawas's phone relays the
//! team's bundles and its decisions, and every interview reaches the receiver once.

use std::path::Path;

use serde_json::{Value as Json, json};
use verivali_cli::{key::INSECURE_DEV_KEY, serve};
use verivali_core::api::{FinalizeResult, ReviewCommentView, Verivali};

use super::{Demo, confirm, visits};
use crate::CliError;

/// The bundles' passphrase, shared by the team out of band (as public as the demo key).
const PASSPHRASE: &str = "demo-tim-kenanga";
const QUESTION: &str = "/data/no_hp";
const COMMENT: &str = "Nomor HP belum ada / The phone number is missing";

/// What the back-checked household told the pengawas: another floor than the enumerator wrote.
const BACK_CHECK_FLOOR: &str = "2";

/// One of the demo's phones in the blank spot.
struct Phone {
    name: &'static str,
    verivali: std::sync::Arc<Verivali>,
    token: String,
}

impl Demo {
    /// Runs the blank spot against the receiver in `receiver_dir` at `url`; its summary.
    pub(super) fn blank_spot(
        &self,
        receiver_dir: &Path,
        url: &str,
        records: &[Json],
        photos: &Path,
    ) -> Result<Json, CliError> {
        let failed = |e: serve::ServeError| CliError::Usage(e.to_string());
        let area = serve::TokenRights { areas: vec!["52".into()], ..Default::default() };
        let pengawas_rights = serve::TokenRights { pengawas: true, ..area.clone() };
        let ani_token =
            serve::add_token_with(receiver_dir, &INSECURE_DEV_KEY, "Ani", &area).map_err(failed)?;
        let beni_token = serve::add_token_with(receiver_dir, &INSECURE_DEV_KEY, "Beni", &area)
            .map_err(failed)?;
        let siti_token =
            serve::add_token_with(receiver_dir, &INSECURE_DEV_KEY, "Siti", &pengawas_rights)
                .map_err(failed)?;
        // Provisioning in the office: forms, prelist and each phone's key registered.
        let mut phones = Vec::new();
        for (name, token) in [("Ani", ani_token), ("Beni", beni_token), ("Siti", siti_token)] {
            let verivali = Verivali::open(
                self.dir.join(format!("phone-{}", name.to_lowercase())).display().to_string(),
                INSECURE_DEV_KEY.to_vec(),
                None,
            )?;
            verivali.sync_down(url.into(), Some(token.clone()), None, None)?;
            phones.push(Phone { name, verivali, token });
        }
        let [ani, beni, siti] = &phones[..] else { unreachable!("three phones") };
        for enumerator in [ani, beni] {
            let member_key = enumerator.verivali.signing_public_key()?;
            siti.verivali.trust_signing_key(member_key, enumerator.name.into(), false)?;
            let pengawas_key = siti.verivali.signing_public_key()?;
            enumerator.verivali.trust_signing_key(pengawas_key, "Siti (pengawas)".into(), true)?;
        }
        self.say(
            "[7/8] Tanpa sinyal / Blank spot: Ani, Beni dan pengawas Siti / and pengawas Siti",
        );

        // Each enumerator visits one household and hands it over by bundle.
        let bundles = self.dir.join("bundles");
        let mut handed = 0;
        let mut ani_bundle = None;
        for (phone, record, number) in [(ani, &records[9], 9), (beni, &records[10], 10)] {
            let household = record["id_dtks"].as_str().unwrap_or_default().to_owned();
            let visit =
                phone.verivali.start_interview(super::FORM_ID.into(), Some(household.clone()))?;
            super::apply(&visit, &visits::found(record, "1", number), photos)?;
            let mut result = visit.finalize(Vec::new())?;
            if let FinalizeResult::Blocked { unconfirmed, .. } = &result {
                result = visit.finalize(confirm(unconfirmed, "Sesuai KK / As on the KK"))?;
            }
            if !matches!(result, FinalizeResult::Finalized { .. }) {
                return Err(CliError::Usage(format!("a blank-spot visit was refused: {result:?}")));
            }
            let written =
                phone.verivali.export_bundle(bundles.display().to_string(), PASSPHRASE.into())?;
            if phone.name == "Ani" {
                ani_bundle = Some(written.path.clone());
            }
            let imported = siti.verivali.import_bundle(written.path, PASSPHRASE.into())?;
            handed += imported.new;
            self.say(&format!(
                "      {} → Siti: bundel bertanda tangan / signed bundle, {} wawancara / interview(s) ({household})",
                phone.name, imported.submissions
            ));
        }

        // The pengawas returns Beni's visit by bundle, approves Ani's.
        let team = siti.verivali.team_interviews()?;
        let (Some(anis), Some(benis)) = (
            team.iter().find(|t| t.enumerator == "Ani").cloned(),
            team.iter().find(|t| t.enumerator == "Beni").cloned(),
        ) else {
            return Err(CliError::Usage("the pengawas's phone lacks a handed visit".into()));
        };
        siti.verivali.review_team_interview(anis.instance_id.clone(), true, vec![], None)?;
        let truth = household_truth(ani_bundle.as_deref().unwrap_or_default());
        let back_check = self.back_check(&siti.verivali, &anis.instance_id, &truth)?;
        let comment = ReviewCommentView { reference: Some(QUESTION.into()), text: COMMENT.into() };
        siti.verivali.review_team_interview(
            benis.instance_id.clone(),
            false,
            vec![comment],
            None,
        )?;
        let back = siti.verivali.export_bundle(bundles.display().to_string(), PASSPHRASE.into())?;
        let reopened = beni.verivali.import_bundle(back.path, PASSPHRASE.into())?.reopened;
        let Some(interview_id) = reopened.first().cloned() else {
            return Err(CliError::Usage("the return by bundle did not reach Beni's phone".into()));
        };
        self.say(&format!(
            "      Siti → Beni: dikembalikan lewat bundel / returned by bundle: {QUESTION}: \"{COMMENT}\""
        ));
        let visit = beni.verivali.interview(interview_id.clone())?;
        visit.answer(QUESTION.into(), "081298765432".into())?;
        let mut result = visit.finalize(Vec::new())?;
        if let FinalizeResult::Blocked { unconfirmed, .. } = &result {
            result = visit.finalize(confirm(unconfirmed, "Sudah dicek ulang / Checked again"))?;
        }
        if !matches!(result, FinalizeResult::Finalized { .. }) {
            return Err(CliError::Usage(format!(
                "the blank-spot correction was refused: {result:?}"
            )));
        }
        let fixed =
            beni.verivali.export_bundle(bundles.display().to_string(), PASSPHRASE.into())?;
        siti.verivali.import_bundle(fixed.path, PASSPHRASE.into())?;
        let correction = siti
            .verivali
            .team_interviews()?
            .into_iter()
            .find(|t| t.corrects.as_deref() == Some(benis.instance_id.as_str()))
            .ok_or_else(|| CliError::Usage("the correction did not reach the pengawas".into()))?;
        siti.verivali.review_team_interview(correction.instance_id.clone(), true, vec![], None)?;
        siti.verivali.export_bundle(bundles.display().to_string(), PASSPHRASE.into())?;
        self.say("      Beni → Siti: koreksi / correction → disetujui / approved");

        // Signal again: the pengawas's phone relays; the enumerators' phones upload.
        let relayed = siti.verivali.relay_bundles(url.into(), Some(siti.token.clone()))?;
        let mut uploaded = 0;
        for phone in [ani, beni] {
            uploaded += phone
                .verivali
                .upload_pending(url.into(), Some(phone.token.clone()), 30_000, None, None)?
                .acknowledged;
        }
        let conn = serve::store::open(receiver_dir, &INSECURE_DEV_KEY).map_err(failed)?;
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(-1);
        let received =
            count("SELECT count(*) FROM submissions WHERE enumerator IN ('Ani', 'Beni')");
        let approved = count(
            "SELECT count(*) FROM reviews r JOIN submissions s ON s.instance_id = r.instance_id
             WHERE s.enumerator IN ('Ani', 'Beni') AND r.state = 'approved'",
        );
        self.say(&format!(
            "      Sinyal / Signal: {} bundel diserahkan / bundles relayed; penerima / receiver: {received} wawancara / interviews (sekali / once each), {approved} disetujui / approved",
            relayed.relayed
        ));
        Ok(json!({
            "handed": handed,
            "returned": benis.instance_id,
            "correction": correction.instance_id,
            "bundles_relayed": relayed.relayed,
            "uploads_acknowledged": uploaded,
            "received": received,
            "approved": approved,
            "back_check": back_check,
            "passphrase": PASSPHRASE,
        }))
    }

    /// Siti back-checks Ani's household without seeing Ani's answers: the household gives
    /// the same status and head, another floor; the comparison comes only after.
    fn back_check(
        &self,
        siti: &Verivali,
        instance_id: &str,
        recorded: &[(String, String)],
    ) -> Result<Json, CliError> {
        siti.pick_backcheck(instance_id.into())?;
        let questions = siti.backcheck_questions(instance_id.into())?;
        // The household's own words: what Ani recorded (the pengawas's phone hides it until
        // the back-check is answered), except the floor, described differently.
        let told = |key: &str| told(recorded, key);
        let answers: Vec<verivali_core::api::BackcheckAnswer> = questions
            .iter()
            .map(|q| verivali_core::api::BackcheckAnswer {
                key: q.key.clone(),
                value: told(&q.key),
            })
            .collect();
        let result = siti.submit_backcheck(instance_id.into(), answers)?;
        for row in result.rows.iter().filter(|r| r.differs) {
            self.say(&format!(
                "      cek ulang / back-check: {} — Ani: {} · rumah tangga / household: {}",
                row.label, row.first, row.second
            ));
        }
        self.say(&format!(
            "      cek ulang / back-check: {}/{} pertanyaan berbeda / questions differ",
            result.differ, result.asked
        ));
        Ok(json!({"instance_id": instance_id, "asked": result.asked, "differ": result.differ}))
    }
}

/// What the demo's household tells the back-checker for question `key`, from the answers the
/// enumerator recorded (`reference`, `value`), with another floor.
fn told(recorded: &[(String, String)], key: &str) -> String {
    let value_at = |reference: &str| {
        recorded.iter().find(|(r, _)| r == reference).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    // Each member instance (`/data/members[k]`) with its member status.
    let members: Vec<(String, String)> = recorded
        .iter()
        .filter(|(r, _)| r.ends_with("/status_keberadaan_art"))
        .map(|(r, v)| (r.trim_end_matches("/status_keberadaan_art").to_owned(), v.clone()))
        .collect();
    match key.split_once(':') {
        Some((_, reference)) if reference.ends_with("/lantai") => BACK_CHECK_FLOOR.into(),
        Some(("count", _)) => members
            .iter()
            .filter(|(_, status)| matches!(status.as_str(), "1" | "4"))
            .count()
            .to_string(),
        Some(("head", reference)) => {
            let field = reference.rsplit('/').next().unwrap_or_default();
            members
                .iter()
                .find(|(member, _)| value_at(&format!("{member}/hubungan_krt")) == "1")
                .map(|(member, _)| value_at(&format!("{member}/{field}")))
                .unwrap_or_default()
        }
        Some((_, reference)) => value_at(reference),
        None => String::new(),
    }
}

/// Every value of the interview Ani handed over, by indexed reference (`/data/members[2]/nik`):
/// the demo plays the household, which knows its own answers.
fn household_truth(bundle: &str) -> Vec<(String, String)> {
    let read = || -> rusqlite::Result<Vec<u8>> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let conn = rusqlite::Connection::open_with_flags(bundle, flags)?;
        conn.pragma_update(None, "key", PASSPHRASE)?;
        conn.query_row("SELECT xml FROM submissions LIMIT 1", [], |r| r.get(0))
    };
    let Some(doc) = read()
        .ok()
        .and_then(|xml| String::from_utf8(xml).ok())
        .and_then(|text| verivali_form::dom::Document::parse(&text).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let root = doc.root();
    walk(&doc, root, &format!("/{}", doc.get(root).name), &mut out);
    out
}

/// Leaves under `node` by indexed reference; the members' repeat always carries its index.
fn walk(
    doc: &verivali_form::dom::Document,
    node: verivali_form::dom::NodeId,
    at: &str,
    out: &mut Vec<(String, String)>,
) {
    let children = &doc.get(node).children;
    if children.is_empty() {
        out.push((at.to_owned(), doc.string_value(node).trim().to_owned()));
        return;
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for &child in children {
        let name = doc.get(child).name.to_string();
        let index = seen.entry(name.clone()).or_insert(0);
        *index += 1;
        let reference = if name == "members" {
            format!("{at}/{name}[{index}]")
        } else {
            format!("{at}/{name}")
        };
        walk(doc, child, &reference, out);
    }
}
