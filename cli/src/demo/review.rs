//! The demo's pengawas (issue 17): the sample drawn on receipt with its reasons, one visit
//! returned with a comment, its return reaching the device by itself, the correction made and
//! sent again as an edit, and approved; the summary counts interviews per review state.

use std::{collections::BTreeMap, path::Path};

use serde_json::{Value as Json, json};
use verivali_cli::{
    key::INSECURE_DEV_KEY,
    serve::review::{self, Action, Comment, queue::Filter},
};
use verivali_core::api::{FinalizeResult, Verivali};

use super::{DEMO_USER, Demo, confirm};
use crate::CliError;

/// The question the demo's pengawas comments on: relevant in every visit.
const QUESTION: &str = "/data/no_hp";
const COMMENT: &str = "Nomor HP pengurus belum ada; tanyakan lagi / The pengurus's phone number is missing; ask again";
const PHONE: &str = "081234567890";

impl Demo {
    /// Runs the review loop on the receiver in `receiver_dir` and the device; its summary.
    pub(super) fn review_loop(
        &self,
        receiver_dir: &Path,
        device: &Verivali,
        url: &str,
        token: &str,
    ) -> Result<Json, CliError> {
        let failed = |e: verivali_cli::serve::ServeError| CliError::Usage(e.to_string());
        let all = Filter { limit: review::queue::MAX_PAGE, ..Filter::default() };
        let queue = review::list(receiver_dir, &INSECURE_DEV_KEY, &all).map_err(failed)?;
        let mut reasons: BTreeMap<String, u32> = BTreeMap::new();
        for row in &queue.rows {
            for reason in &row.reasons {
                let code = reason.split(" (").next().unwrap_or(reason).to_owned();
                *reasons.entry(code).or_default() += 1;
            }
        }
        let waiting: Vec<_> = queue.rows.iter().filter(|r| r.state == "waiting").collect();
        self.say(&format!(
            "[6/8] Pengawas: sampel / sample {} dari / of {} ({})",
            waiting.len(),
            queue.rows.len(),
            reasons.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(", ")
        ));
        // A visit sampled for its status alone, so that its correction needs no other reason.
        let by_status = waiting.iter().find(|r| r.reasons.iter().all(|x| x.starts_with("status_")));
        let Some(chosen) = by_status.or(waiting.first()).map(|r| r.instance_id.clone()) else {
            return Err(CliError::Usage("the demo's sample picked nothing".into()));
        };
        let comments = vec![Comment { reference: Some(QUESTION.into()), text: COMMENT.into() }];
        review::decide(
            receiver_dir,
            &INSECURE_DEV_KEY,
            &chosen,
            DEMO_USER,
            &Action::Return { comments },
            None,
        )
        .map_err(failed)?;
        self.say(&format!("      dikembalikan / returned: {chosen} · {QUESTION}: \"{COMMENT}\""));

        let came_back = device.fetch_returns(url.into(), Some(token.into()))?.reopened;
        let Some(interview_id) = came_back.first().cloned() else {
            return Err(CliError::Usage("the return did not reach the demo device".into()));
        };
        let interview = device.interview(interview_id.clone())?;
        let shown = interview.screen()?.review.map_or(0, |r| r.comments.len());
        self.say(&format!(
            "      perangkat / device: {} kembali / came back, {shown} komentar / comment(s); \
             diperbaiki / corrected: {QUESTION} = {PHONE}",
            came_back.len()
        ));
        interview.answer(QUESTION.into(), PHONE.into())?;
        let mut result = interview.finalize(Vec::new())?;
        if let FinalizeResult::Blocked { unconfirmed, .. } = &result {
            result = interview.finalize(confirm(unconfirmed, "Sudah dicek ulang di lapangan"))?;
        }
        if !matches!(result, FinalizeResult::Finalized { .. }) {
            return Err(CliError::Usage(format!("the demo's correction was refused: {result:?}")));
        }
        let sent = device.upload_pending(url.into(), Some(token.into()), 30_000, None, None)?;
        let correction = device
            .outbox_status()?
            .into_iter()
            .find(|e| e.interview_id == interview_id)
            .map(|e| e.instance_id)
            .unwrap_or_default();
        review::decide(
            receiver_dir,
            &INSECURE_DEV_KEY,
            &correction,
            DEMO_USER,
            &Action::Approve,
            Some("Nomor HP sudah ada / The phone number is there"),
        )
        .map_err(failed)?;
        self.say(&format!(
            "      koreksi terkirim sebagai edit / correction sent as an edit ({} diterima / acknowledged): {correction} → disetujui / approved",
            sent.acknowledged
        ));
        let per_state =
            review::list(receiver_dir, &INSECURE_DEV_KEY, &all).map_err(failed)?.per_state;
        Ok(json!({
            "sampled": waiting.len(),
            "reasons": reasons,
            "returned": chosen,
            "correction": correction,
            "corrections_acknowledged": sent.acknowledged,
            "per_state": per_state.into_iter().collect::<BTreeMap<_, _>>(),
            "queue_page": format!("{url}/review"),
        }))
    }
}
