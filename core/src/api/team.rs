//! The pengawas's phone (issue 18): the team's interviews received by bundle, the same
//! spot-check sample the receiver draws (the model in `verivali-rules`), and the pengawas's
//! decisions, which travel back by bundle: returns to the enumerators' phones, all decisions
//! to the receiver.

use super::{ApiResult, Verivali, VerivaliError, now_ms, records::ReviewCommentView};
use crate::{
    form::dom::Document,
    rules::review::{self as model, Action, Candidate, Comment, ReviewState, SampleReason, view},
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

/// A household waiting for its back-check shows no status nor a status reason: the back-check
/// must not be asked knowing the enumerator's answers.
fn blind_for_backcheck(entry: &mut TeamInterview) {
    entry.status = None;
    entry.reasons.retain(|r| !r.starts_with("status_"));
    entry.reasons.push("backcheck".into());
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
    /// A household waiting for its back-check shows no status (nor a status reason): the
    /// back-check must not be asked knowing the enumerator's answers.
    pub fn team_interviews(&self) -> ApiResult<Vec<TeamInterview>> {
        let mut listed = self.team_interviews_as_answered()?;
        let pending = self.pending_backchecks(&listed)?;
        listed
            .iter_mut()
            .filter(|t| pending.contains(&t.instance_id))
            .for_each(blind_for_backcheck);
        Ok(listed)
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
    /// The team's interviews with everything the enumerator answered.
    pub(super) fn team_interviews_as_answered(&self) -> ApiResult<Vec<TeamInterview>> {
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

    /// The installed form a team interview was made with (its latest version), if any.
    pub(super) fn team_form(
        &self,
        form_id: &str,
    ) -> ApiResult<Option<std::sync::Arc<crate::form::session::Form>>> {
        match self.store.read(|c| forms::latest_form(c, form_id))? {
            Some(row) => Ok(Some(self.forms.get(&self.store, row)?)),
            None => Ok(None),
        }
    }

    /// The paths the sample reads, from the installed form (none when it is not installed).
    fn role_paths(&self, form_id: &str) -> ApiResult<RolePaths> {
        let Some(form) = self.team_form(form_id)? else {
            return Ok(RolePaths::default());
        };
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

/// One team interview as the pengawas reads it on the phone: the same review the receiver's
/// page shows (`verivali_rules::review::view`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TeamInterviewDetail {
    pub interview: TeamInterview,
    pub sections: Vec<ReviewSection>,
    /// Members the prelist had and the interview does not (their references).
    pub removed: Vec<String>,
    pub findings: Vec<ReviewFinding>,
    /// Attachment names of the photos ([`Verivali::team_photo`]).
    pub photos: Vec<String>,
    pub house_point: Option<String>,
    pub prelist_point: Option<String>,
    pub distance_m: Option<f64>,
    /// Why the answers cannot be shown (encrypted, or the form is not installed).
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewSection {
    pub title: String,
    pub answers: Vec<ReviewAnswer>,
}

/// One answered question, with what it changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewAnswer {
    pub reference: String,
    pub label: String,
    /// As the form shows it (a choice's label with its value).
    pub shown: String,
    pub value: String,
    /// `text`, `select`, `date`, `photo` or `geopoint`.
    pub kind: String,
    /// The prelist's value, when the answer differs from it.
    pub prelist: Option<String>,
    /// In a member the prelist did not have.
    pub added: bool,
    /// For a correction: the returned version's value, when it changed.
    pub before_correction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewFinding {
    pub rule: String,
    pub severity: String,
    pub reference: Option<String>,
    pub message: String,
    /// The enumerator's reason for a confirmed warning.
    pub reason: Option<String>,
}

#[uniffi::export]
impl Verivali {
    /// One team interview with its answers by section, every change against the prelist (and
    /// against the returned version, for a correction) marked, findings with reasons, photos and
    /// the house's point beside the prelist's.
    pub fn team_interview_detail(&self, instance_id: String) -> ApiResult<TeamInterviewDetail> {
        let answered = self.team_interviews_as_answered()?;
        let waiting_for_backcheck = self.pending_backchecks(&answered)?.contains(&instance_id);
        let mut interview = answered
            .into_iter()
            .find(|t| t.instance_id == instance_id)
            .ok_or_else(|| VerivaliError::NotFound {
                what: format!("wawancara tim / team interview {instance_id}"),
            })?;
        if waiting_for_backcheck {
            blind_for_backcheck(&mut interview);
        }
        let stored = self.store.read(|c| team::team_submission(c, &instance_id))?;
        let Some(stored) = stored else {
            return Err(VerivaliError::NotFound { what: format!("team interview {instance_id}") });
        };
        let previous = match &stored.deprecated_id {
            Some(previous) => self.store.read(|c| team::team_xml(c, previous))?,
            None => None,
        };
        let record = match &interview.household {
            Some(id) => self
                .store
                .read(|c| prelist::household(c, id))?
                .map(|h| serde_json::Value::Object(h.record)),
            None => None,
        };
        let read = match self.team_form(&interview.form_id)? {
            Some(form) => {
                view::read(&form, &stored.xml, previous.as_deref(), record.as_ref(), now_ms())
                    .ok_or("terenkripsi atau tidak terbaca / encrypted or not readable")
            }
            None => Err("formulir tidak terpasang / the form is not installed"),
        };
        let photos = self.store.read(|c| team::photo_names(c, &instance_id))?;
        let findings = view::findings(stored.checks.as_deref())
            .into_iter()
            .map(|f| ReviewFinding {
                rule: f.rule,
                severity: f.severity,
                reference: f.reference,
                message: f.message,
                reason: f.reason,
            })
            .collect();
        let (read, unreadable) = match read {
            Ok(read) => (read, None),
            Err(why) => (view::ReadView::default(), Some(why.to_owned())),
        };
        let location = read.location.clone();
        let mut sections: Vec<ReviewSection> = read.sections.into_iter().map(section).collect();
        if waiting_for_backcheck {
            hide(&mut sections, &self.backcheck_paths(&interview.form_id)?);
        }
        Ok(TeamInterviewDetail {
            interview,
            sections,
            removed: read.removed,
            findings,
            photos,
            house_point: location.as_ref().and_then(|l| l.house.clone()),
            prelist_point: location.as_ref().and_then(|l| l.prelist.clone()),
            distance_m: location.and_then(|l| l.metres),
            unreadable,
        })
    }

    /// The bytes of one photo of a team interview.
    pub fn team_photo(&self, instance_id: String, name: String) -> ApiResult<Vec<u8>> {
        self.store
            .read(|c| team::attachment(c, &instance_id, &name))?
            .ok_or_else(|| VerivaliError::NotFound { what: format!("{instance_id}/{name}") })
    }
}

/// What a hidden answer shows until the back-check is answered.
pub const HIDDEN: &str = "••• (cek ulang dulu / back-check first)";

/// Hides the answers a pending back-check re-asks (by their generic path).
fn hide(sections: &mut [ReviewSection], paths: &[String]) {
    for answer in sections.iter_mut().flat_map(|s| s.answers.iter_mut()) {
        if paths.contains(&generic(&answer.reference)) {
            answer.value = HIDDEN.into();
            answer.shown = HIDDEN.into();
            answer.prelist = None;
            answer.before_correction = None;
        }
    }
}

/// `/data/members[2]/nik` as `/data/members/nik`.
fn generic(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    let mut depth = 0;
    for c in reference.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn section(section: view::SectionView) -> ReviewSection {
    ReviewSection {
        title: section.title,
        answers: section
            .answers
            .into_iter()
            .map(|a| ReviewAnswer {
                reference: a.reference,
                label: a.label,
                shown: a.shown,
                value: a.value,
                kind: a.kind,
                prelist: a.prelist,
                added: a.added,
                before_correction: a.before_correction,
            })
            .collect(),
    }
}
