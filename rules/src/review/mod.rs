//! The pengawas review model (issue 17, docs/adr/0022-review-state-machine.md), pure: which
//! received interviews a pengawas must look at and why (the spot-check sample), and what each
//! review action may do. No I/O: the receiver's store, or a pengawas's phone offline (issue 18),
//! feeds it candidates and keeps its answers; both draw the same sample.
//!
//! Each received interview is `Waiting` (sampled) or `NotSampled`, then `Approved`, or
//! `Returned` with comments. A returned interview comes back from the phone as a correction: a
//! new instanceID naming the returned one in `deprecatedID`, which waits again; the returned
//! version stays as it was. Nothing is deleted; every action is recorded by whoever keeps the
//! state.

pub mod view;

use sha2::{Digest, Sha256};
use verivali_form::geo::Geopoint;

/// Where an interview stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewState {
    /// Not drawn for the spot check; a pengawas may still queue, approve or return it.
    NotSampled,
    /// In the pengawas's queue.
    Waiting,
    /// Accepted; final.
    Approved,
    /// Sent back to the enumerator with comments; waits for the correction.
    Returned,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::NotSampled => "not_sampled",
            ReviewState::Waiting => "waiting",
            ReviewState::Approved => "approved",
            ReviewState::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewState> {
        [
            ReviewState::NotSampled,
            ReviewState::Waiting,
            ReviewState::Approved,
            ReviewState::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A comment of a return: on one question (its reference) or on the whole interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub reference: Option<String>,
    pub text: String,
}

/// What a pengawas (or the phone, for a correction) does to an interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Put an interview the sample left out into the queue.
    Queue,
    Approve,
    Return {
        comments: Vec<Comment>,
    },
}

/// Why an action cannot be taken, in words for the pengawas.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("Wawancara ini sudah disetujui / This interview is already approved")]
    AlreadyApproved,
    #[error(
        "Wawancara ini menunggu koreksi dari pencacah / This interview is waiting for the enumerator's correction"
    )]
    WaitingForCorrection,
    #[error("Wawancara ini sudah dalam antrean / This interview is already in the queue")]
    AlreadyQueued,
    #[error(
        "Pengembalian perlu minimal satu komentar berisi / A return needs at least one comment with text"
    )]
    ReturnWithoutComment,
}

/// The state after `action`, or why it cannot be taken.
pub fn next(state: ReviewState, action: &Action) -> Result<ReviewState, ReviewError> {
    use ReviewState::*;
    match (state, action) {
        (Approved, _) => Err(ReviewError::AlreadyApproved),
        (Returned, _) => Err(ReviewError::WaitingForCorrection),
        (Waiting, Action::Queue) => Err(ReviewError::AlreadyQueued),
        (NotSampled, Action::Queue) => Ok(Waiting),
        (_, Action::Approve) => Ok(Approved),
        (_, Action::Return { comments }) => {
            if comments.iter().any(|c| !c.text.trim().is_empty()) {
                Ok(Returned)
            } else {
                Err(ReviewError::ReturnWithoutComment)
            }
        }
    }
}

/// The state a newly received interview starts in: a correction of a returned one always waits
/// (the pengawas asked for it); anything else waits when the sample picked it.
pub fn initial_state(is_correction_of_returned: bool, reasons: &[SampleReason]) -> ReviewState {
    if is_correction_of_returned || !reasons.is_empty() {
        ReviewState::Waiting
    } else {
        ReviewState::NotSampled
    }
}

/// Why an interview is in the spot-check sample.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleReason {
    /// Status keberadaan 3, 4 or 5: the household leaves the registry.
    Status(String),
    /// A household the prelist did not have.
    NewHousehold,
    /// A warning the enumerator confirmed with a reason (its rule id).
    ConfirmedWarning(String),
    /// The house's point is this far from the prelist's.
    FarFromPrelist { metres: f64 },
    /// The seeded random share of the rest.
    Random,
    /// A correction of a returned interview.
    Correction,
    /// The enumerator's own edit of an interview that was waiting or approved: its new content
    /// has not been reviewed.
    Edit,
}

impl SampleReason {
    /// Short words for lists and filters.
    pub fn code(&self) -> String {
        match self {
            SampleReason::Status(status) => format!("status_{status}"),
            SampleReason::NewHousehold => "new_household".into(),
            SampleReason::ConfirmedWarning(rule) => format!("warning:{rule}"),
            SampleReason::FarFromPrelist { .. } => "far_from_prelist".into(),
            SampleReason::Random => "random".into(),
            SampleReason::Correction => "correction".into(),
            SampleReason::Edit => "edit".into(),
        }
    }
}

/// How the sample is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRules {
    /// Kept with the sample, so that it can be drawn again and checked.
    pub seed: u64,
    /// The share of the other interviews drawn at random, per enumerator (0.0–1.0).
    pub random_share: f64,
    /// A house point farther than this from the prelist's is sampled.
    pub far_from_prelist_m: f64,
}

impl Default for SampleRules {
    fn default() -> SampleRules {
        SampleRules { seed: 0, random_share: 0.10, far_from_prelist_m: 5_000.0 }
    }
}

/// What the sample needs to know of one received interview.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub instance_id: String,
    pub enumerator: String,
    pub status: Option<String>,
    /// No ID DTKS: a household the prelist did not have.
    pub new_household: bool,
    /// Rule ids of the warnings the enumerator confirmed (from `verivali-checks.json`).
    pub confirmed_warnings: Vec<String>,
    /// The house's point in the submission and in the prelist, when both are known.
    pub house_point: Option<String>,
    pub prelist_point: Option<String>,
}

/// Every reason `candidate` is in the sample (empty: not sampled).
pub fn sample_reasons(candidate: &Candidate, rules: &SampleRules) -> Vec<SampleReason> {
    let mut reasons = Vec::new();
    if let Some(status) = candidate.status.as_deref().filter(|s| ["3", "4", "5"].contains(s)) {
        reasons.push(SampleReason::Status(status.to_owned()));
    }
    if candidate.new_household {
        reasons.push(SampleReason::NewHousehold);
    }
    reasons
        .extend(candidate.confirmed_warnings.iter().cloned().map(SampleReason::ConfirmedWarning));
    if let Some(metres) = distance(candidate)
        && metres > rules.far_from_prelist_m
    {
        reasons.push(SampleReason::FarFromPrelist { metres });
    }
    if reasons.is_empty() && drawn_at_random(rules, &candidate.enumerator, &candidate.instance_id) {
        reasons.push(SampleReason::Random);
    }
    reasons
}

/// The distance between the house's point and the prelist's, when both parse.
fn distance(candidate: &Candidate) -> Option<f64> {
    let house = Geopoint::parse(candidate.house_point.as_deref()?).ok()?;
    let prelist = Geopoint::parse(candidate.prelist_point.as_deref()?).ok()?;
    Some(house.distance_m(&prelist))
}

/// Whether the seeded draw picks this interview: SHA-256 of the seed, the enumerator and the
/// instanceID, read as a number in [0, 1), below the share. The same seed draws the same sample;
/// each enumerator's interviews are drawn at the same rate.
fn drawn_at_random(rules: &SampleRules, enumerator: &str, instance_id: &str) -> bool {
    let mut hasher = Sha256::new();
    hasher.update(rules.seed.to_be_bytes());
    hasher.update(enumerator.as_bytes());
    hasher.update([0]);
    hasher.update(instance_id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let unit = (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64;
    unit < rules.random_share
}

/// The most warning reasons one interview may carry, and the longest rule id kept: the checks
/// file comes from the device, and the queue reads these on every page.
pub const MAX_WARNING_REASONS: usize = 20;
const MAX_RULE_ID: usize = 64;

/// The rule ids of the warnings confirmed with a reason in a `verivali-checks.json`
/// (docs/domain.md#checks-file), each once, at most [`MAX_WARNING_REASONS`]; nothing when it
/// does not parse.
pub fn confirmed_warnings(checks_json: &[u8]) -> Vec<String> {
    let Ok(checks) = serde_json::from_slice::<serde_json::Value>(checks_json) else {
        return Vec::new();
    };
    let mut rules: Vec<String> = Vec::new();
    let findings = checks.get("findings").and_then(|f| f.as_array());
    for finding in findings.into_iter().flatten() {
        let warning = finding.get("severity").and_then(|s| s.as_str()) == Some("warning");
        let reasoned =
            finding.get("reason").and_then(|r| r.as_str()).is_some_and(|r| !r.trim().is_empty());
        let rule = finding.get("rule").and_then(|r| r.as_str()).unwrap_or("");
        let usable = !rule.is_empty() && rule.len() <= MAX_RULE_ID;
        if warning && reasoned && usable && !rules.iter().any(|r| r == rule) {
            rules.push(rule.to_owned());
            if rules.len() == MAX_WARNING_REASONS {
                break;
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str) -> Candidate {
        Candidate {
            instance_id: id.into(),
            enumerator: "Ayu".into(),
            status: Some("1".into()),
            new_household: false,
            confirmed_warnings: Vec::new(),
            house_point: None,
            prelist_point: None,
        }
    }

    #[test]
    fn confirmed_warnings_are_listed_once_each_and_capped() {
        let finding = |rule: &str| serde_json::json!({"rule": rule, "severity": "warning", "reason": "dicek"});
        let mut findings: Vec<serde_json::Value> =
            (0..50).map(|i| finding(&format!("rule.{i}"))).collect();
        findings.insert(0, finding("nik.dob"));
        findings.insert(1, finding("nik.dob"));
        findings.push(finding(&"x".repeat(65)));
        let checks = serde_json::json!({"findings": findings}).to_string();
        let rules = confirmed_warnings(checks.as_bytes());
        assert_eq!(rules.len(), MAX_WARNING_REASONS);
        assert_eq!(rules.iter().filter(|r| *r == "nik.dob").count(), 1);
        assert!(rules.iter().all(|r| r.len() <= 64));
    }

    #[test]
    fn every_mandatory_case_is_sampled_and_says_why() {
        let rules = SampleRules { random_share: 0.0, ..SampleRules::default() };
        for status in ["3", "4", "5"] {
            let c = Candidate { status: Some(status.into()), ..candidate("a") };
            assert_eq!(sample_reasons(&c, &rules), [SampleReason::Status(status.into())]);
        }
        let new = Candidate { new_household: true, ..candidate("b") };
        assert_eq!(sample_reasons(&new, &rules), [SampleReason::NewHousehold]);
        let warned = Candidate { confirmed_warnings: vec!["nik.dob".into()], ..candidate("c") };
        assert_eq!(
            sample_reasons(&warned, &rules),
            [SampleReason::ConfirmedWarning("nik.dob".into())]
        );
        let far = Candidate {
            house_point: Some("-8.58 116.12 0 5".into()),
            prelist_point: Some("-8.50 116.12".into()),
            ..candidate("d")
        };
        let reasons = sample_reasons(&far, &rules);
        assert!(
            matches!(reasons.as_slice(), [SampleReason::FarFromPrelist { metres }] if *metres > 8_000.0)
        );
        let near = Candidate {
            house_point: Some("-8.58 116.12 0 5".into()),
            prelist_point: Some("-8.5801 116.12".into()),
            ..candidate("e")
        };
        assert!(sample_reasons(&near, &rules).is_empty());
        assert!(sample_reasons(&candidate("f"), &rules).is_empty(), "status 1, nothing else");
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let ids: Vec<String> = (0..1000).map(|i| format!("uuid:{i}")).collect();
        let draw = |seed| -> Vec<bool> {
            let rules = SampleRules { seed, ..SampleRules::default() };
            ids.iter().map(|id| !sample_reasons(&candidate(id), &rules).is_empty()).collect()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn the_random_share_is_within_statistical_bounds_for_each_enumerator() {
        // 10,000 synthetic interviews of 4 enumerators; 10 % each. Binomial(2500, 0.1) has a
        // standard deviation of 15: four of them stay within ±5 sigma except with a chance under
        // one in a million.
        let rules = SampleRules { seed: 20261207, ..SampleRules::default() };
        for enumerator in ["Ayu", "Budi", "Citra", "Dewi"] {
            let drawn = (0..2500)
                .filter(|i| {
                    let c = Candidate {
                        enumerator: enumerator.into(),
                        ..candidate(&format!("uuid:{i}"))
                    };
                    sample_reasons(&c, &rules) == [SampleReason::Random]
                })
                .count() as f64;
            assert!((drawn - 250.0).abs() <= 75.0, "{enumerator}: {drawn} of 2,500");
        }
    }

    #[test]
    fn review_actions_follow_the_state_machine() {
        use ReviewState::*;
        let comment = |text: &str| Action::Return {
            comments: vec![Comment {
                reference: Some("/data/members[2]/nik".into()),
                text: text.into(),
            }],
        };
        assert_eq!(next(NotSampled, &Action::Queue), Ok(Waiting));
        assert_eq!(next(Waiting, &Action::Queue), Err(ReviewError::AlreadyQueued));
        assert_eq!(next(Waiting, &Action::Approve), Ok(Approved));
        assert_eq!(next(NotSampled, &Action::Approve), Ok(Approved));
        assert_eq!(next(Waiting, &comment("NIK tidak sesuai KK")), Ok(Returned));
        assert_eq!(next(Waiting, &comment("  ")), Err(ReviewError::ReturnWithoutComment));
        assert_eq!(next(Returned, &Action::Approve), Err(ReviewError::WaitingForCorrection));
        assert_eq!(next(Approved, &comment("late")), Err(ReviewError::AlreadyApproved));
        assert_eq!(initial_state(true, &[]), Waiting, "a correction always waits");
        assert_eq!(initial_state(false, &[]), NotSampled);
        assert_eq!(initial_state(false, &[SampleReason::Random]), Waiting);
        for state in [NotSampled, Waiting, Approved, Returned] {
            assert_eq!(ReviewState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn confirmed_warnings_come_from_the_checks_file() {
        let checks = br#"{"instance_id":"uuid:x","findings":[
            {"rule":"nik.dob","severity":"warning","reference":"/data/members[2]/nik","message":{"id":"","en":""},"reason":"KTP lama"},
            {"rule":"status.1_changed","severity":"warning","reference":"/data/status_keberadaan","message":{"id":"","en":""}},
            {"rule":"nik.length","severity":"error","reference":"/data/members[1]/nik","message":{"id":"","en":""},"reason":"x"}]}"#;
        assert_eq!(confirmed_warnings(checks), ["nik.dob"]);
        assert!(confirmed_warnings(b"not json").is_empty());
    }
}
