//! The pengawas's phone (issue 18): the team's interviews received by bundle, the same
//! spot-check sample the receiver draws (the model in `verivali-rules`), and the pengawas's
//! decisions, which travel back by bundle: returns to the enumerators' phones, all decisions
//! to the receiver.

use super::{ApiResult, Verivali, VerivaliError, now_ms, records::ReviewCommentView};
use crate::{
    form::dom::Document,
    rules::review::{self as model, Action, Candidate, Comment, ReviewState, SampleReason},
    store::{
        forms, prelist,
        returns::ReturnComment,
        team::{self, Decision, TeamRow},
    },
};

/// One team interview in the pengawas's list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TeamInterview {
    pub instance_id: String,
    /// Whose phone signed it (the label its key is trusted under).
    pub enumerator: String,
    pub form_id: String,
    pub household: Option<String>,
    /// Status keberadaan as answered.
    pub status: Option<String>,
    /// Why the sample drew it (`status_4`, `new_household`, `warning:RULE`,
    /// `far_from_prelist`, `random`, `correction`); empty: not drawn.
    pub reasons: Vec<String>,
    /// `waiting`, `not_sampled`, `approved` or `returned`.
    pub state: String,
    /// For a correction: the returned version it replaces.
    pub corrects: Option<String>,
    pub imported_at: i64,
}

/// The role paths of a form the sample reads.
#[derive(Default)]
struct RolePaths {
    id_dtks: Option<String>,
    status: Option<String>,
    house_location: Option<String>,
}

#[uniffi::export]
impl Verivali {
    /// The team's interviews on this phone, with the sample's reasons and the pengawas's
    /// decision; the newest first.
    pub fn team_interviews(&self) -> ApiResult<Vec<TeamInterview>> {
        let rows = self.store.read(team::team_rows)?;
        let seed = self.store.write(team::review_seed)?;
        let rules = model::SampleRules { seed, ..model::SampleRules::default() };
        let returned: Vec<String> = rows
            .iter()
            .filter(|r| r.decision.as_deref() == Some("returned"))
            .map(|r| r.instance_id.clone())
            .collect();
        rows.iter().map(|row| self.team_interview(row, &rules, &returned)).collect()
    }

    /// Approves a team interview, or returns it with comments (at least one with text), as a
    /// pengawas does on the receiver's pages. The decision travels in this phone's next bundle.
    /// Returns the new state.
    pub fn review_team_interview(
        &self,
        instance_id: String,
        approve: bool,
        comments: Vec<ReviewCommentView>,
        note: Option<String>,
    ) -> ApiResult<String> {
        let listed = self.team_interviews()?;
        let Some(current) = listed.iter().find(|t| t.instance_id == instance_id) else {
            return Err(VerivaliError::NotFound {
                what: format!("wawancara tim / team interview {instance_id}"),
            });
        };
        let comments: Vec<Comment> = comments
            .into_iter()
            .filter(|c| !c.text.trim().is_empty())
            .map(|c| Comment { reference: c.reference, text: c.text.trim().to_owned() })
            .collect();
        if approve && !comments.is_empty() {
            return Err(VerivaliError::InvalidInput {
                reason: "komentar hanya untuk pengembalian / comments are for a return only".into(),
            });
        }
        let action =
            if approve { Action::Approve } else { Action::Return { comments: comments.clone() } };
        let state = ReviewState::parse(&current.state).unwrap_or(ReviewState::NotSampled);
        let next = model::next(state, &action)
            .map_err(|refusal| VerivaliError::InvalidInput { reason: refusal.to_string() })?;
        let decision = Decision {
            instance_id,
            state: next.as_str().to_owned(),
            decided_at: now_ms(),
            note: note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            comments: comments
                .into_iter()
                .map(|c| ReturnComment { reference: c.reference, text: c.text })
                .collect(),
        };
        if !decision.is_valid() {
            return Err(VerivaliError::InvalidInput {
                reason: format!(
                    "komentar terlalu panjang atau terlalu banyak / comments too long or too many (at most {} of {} characters)",
                    team::MAX_COMMENTS,
                    team::MAX_COMMENT_CHARS
                ),
            });
        }
        self.store.write(|tx| team::decide(tx, &decision))?;
        Ok(decision.state)
    }
}

impl Verivali {
    fn team_interview(
        &self,
        row: &TeamRow,
        rules: &model::SampleRules,
        returned: &[String],
    ) -> ApiResult<TeamInterview> {
        let paths = self.role_paths(&row.form_id)?;
        let doc = std::str::from_utf8(&row.xml).ok().and_then(|t| Document::parse(t).ok());
        let read = |path: &Option<String>| {
            path.as_deref().and_then(|p| doc.as_ref().and_then(|d| d.text_at(p)))
        };
        let household = read(&paths.id_dtks);
        let prelist_point = match &household {
            Some(id) => self
                .store
                .read(|c| prelist::household(c, id))?
                .and_then(|h| h.record.get("lokasi")?.get("titik")?.as_str().map(str::to_owned)),
            None => None,
        };
        let candidate = Candidate {
            instance_id: row.instance_id.clone(),
            enumerator: row.signer_label.clone(),
            status: read(&paths.status),
            new_household: paths.id_dtks.is_some() && household.is_none(),
            confirmed_warnings: row
                .checks
                .as_deref()
                .map(model::confirmed_warnings)
                .unwrap_or_default(),
            house_point: read(&paths.house_location),
            prelist_point,
        };
        let mut reasons = model::sample_reasons(&candidate, rules);
        let corrects_returned =
            row.deprecated_id.as_ref().is_some_and(|previous| returned.contains(previous));
        if corrects_returned {
            reasons.retain(|r| *r != SampleReason::Random);
            reasons.insert(0, SampleReason::Correction);
        }
        let state = match row.decision.as_deref() {
            Some(decided) => decided.to_owned(),
            None => model::initial_state(corrects_returned, &reasons).as_str().to_owned(),
        };
        Ok(TeamInterview {
            instance_id: row.instance_id.clone(),
            enumerator: row.signer_label.clone(),
            form_id: row.form_id.clone(),
            household,
            status: candidate.status,
            reasons: reasons.iter().map(SampleReason::code).collect(),
            state,
            corrects: row.deprecated_id.clone(),
            imported_at: row.imported_at,
        })
    }

    /// The paths the sample reads, from the installed form (none when it is not installed).
    fn role_paths(&self, form_id: &str) -> ApiResult<RolePaths> {
        let Some(row) = self.store.read(|c| forms::latest_form(c, form_id))? else {
            return Ok(RolePaths::default());
        };
        let form = self.forms.get(&self.store, row)?;
        let path_of = |role: &str| {
            form.def
                .binds
                .iter()
                .find(|b| b.role.as_deref() == Some(role))
                .map(|b| b.nodeset.clone())
        };
        Ok(RolePaths {
            id_dtks: path_of("id_dtks"),
            status: path_of("status_keberadaan"),
            house_location: path_of("house_location"),
        })
    }
}
