//! One prompt per question kind, each answering through the core and asking again when the
//! core refuses the value (with its message). Esc on any prompt opens the menu.

use inquire::{Confirm, InquireError, MultiSelect, Select, Text};
use verivali_core::api::{
    AnswerResult, AnswerValue, FixQualityView, GeopointInput, InputKind, Interview, QuestionView,
    RepeatPromptView, VerivaliError,
};

use super::{PAGE, cancelled, interrupted, prompt_error};
use crate::CliError;

/// How asking ended.
pub enum Asked {
    Done,
    /// Stay on this screen index (it now shows something new).
    Stay,
    Menu,
    Quit,
}

const HELP: &str = "Enter: simpan & lanjut / save & next · Esc: menu";

/// A prompt's value, or how it ended otherwise.
fn given<T>(result: Result<T, InquireError>) -> Result<Result<T, Asked>, CliError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if cancelled(&e) => Ok(Err(Asked::Menu)),
        Err(e) if interrupted(&e) => Ok(Err(Asked::Quit)),
        Err(e) => Err(prompt_error(e)),
    }
}

pub fn question(interview: &Interview, q: &QuestionView) -> Result<Asked, CliError> {
    if q.readonly || matches!(q.kind, InputKind::Note) {
        return Ok(Asked::Done);
    }
    let label = match &q.hint {
        Some(hint) => format!("{} ({hint})", q.label),
        None => q.label.clone(),
    };
    let label = if q.required { format!("{label} *") } else { label };
    loop {
        let outcome = match q.kind {
            InputKind::SelectOne => select_one(interview, q, &label)?,
            InputKind::SelectMultiple => select_multiple(interview, q, &label)?,
            InputKind::Acknowledge => acknowledge(interview, q, &label)?,
            InputKind::Geopoint => location(interview, q, &label)?,
            InputKind::Photo | InputKind::File => photo(interview, q, &label)?,
            _ => typed(interview, q, &label)?,
        };
        match outcome {
            Ok(AnswerResult::Saved) => return Ok(Asked::Done),
            Ok(refused) => println!("  ✗ {}", refusal(&refused)),
            Err(asked) => return Ok(asked),
        }
    }
}

fn refusal(result: &AnswerResult) -> String {
    match result {
        AnswerResult::Saved => String::new(),
        AnswerResult::ConstraintViolated { message } => message
            .clone()
            .unwrap_or_else(|| "Jawaban tidak memenuhi syarat / The answer breaks a rule".into()),
        AnswerResult::RequiredButEmpty => "Wajib diisi / Required".into(),
        AnswerResult::Invalid { message } => message.clone(),
    }
}

type Outcome = Result<AnswerResult, Asked>;

fn answer(
    interview: &Interview,
    q: &QuestionView,
    value: AnswerValue,
) -> Result<Outcome, CliError> {
    match interview.answer(q.reference.clone(), value) {
        Ok(answered) => Ok(Ok(answered.result)),
        Err(VerivaliError::InvalidInput { reason }) => {
            Ok(Ok(AnswerResult::Invalid { message: reason }))
        }
        Err(other) => Err(other.into()),
    }
}

fn typed(interview: &Interview, q: &QuestionView, label: &str) -> Result<Outcome, CliError> {
    let help = match q.kind {
        InputKind::Date => "TTTT-BB-HH / YYYY-MM-DD · Esc: menu",
        InputKind::Integer | InputKind::Decimal => "angka / a number · Esc: menu",
        _ => HELP,
    };
    match given(Text::new(label).with_initial_value(&q.value).with_help_message(help).prompt())? {
        Ok(text) => answer(interview, q, AnswerValue::Text { text }),
        Err(asked) => Ok(Err(asked)),
    }
}

fn select_one(interview: &Interview, q: &QuestionView, label: &str) -> Result<Outcome, CliError> {
    let options: Vec<String> =
        q.choices.iter().map(|c| format!("{} · {}", c.value, c.label)).collect();
    if options.is_empty() {
        println!("  (tidak ada pilihan / no choices yet)");
        return Ok(Ok(AnswerResult::Saved));
    }
    let cursor = q.choices.iter().position(|c| c.value == q.value).unwrap_or(0);
    let prompt = Select::new(label, options.clone())
        .with_starting_cursor(cursor)
        .with_page_size(PAGE)
        .with_help_message("↑↓ pilih, ketik untuk menyaring / choose, type to filter · Esc: menu");
    match given(prompt.prompt())? {
        Ok(choice) => {
            let index = options.iter().position(|o| *o == choice).unwrap_or(0);
            answer(interview, q, AnswerValue::Choice { value: q.choices[index].value.clone() })
        }
        Err(asked) => Ok(Err(asked)),
    }
}

fn select_multiple(
    interview: &Interview,
    q: &QuestionView,
    label: &str,
) -> Result<Outcome, CliError> {
    let options: Vec<String> =
        q.choices.iter().map(|c| format!("{} · {}", c.value, c.label)).collect();
    let current: Vec<&str> = match &q.answer {
        AnswerValue::Choices { values } => values.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let defaults: Vec<usize> = q
        .choices
        .iter()
        .enumerate()
        .filter(|(_, c)| current.contains(&c.value.as_str()))
        .map(|(i, _)| i)
        .collect();
    let prompt = MultiSelect::new(label, options.clone())
        .with_default(&defaults)
        .with_page_size(PAGE)
        .with_help_message("spasi: pilih / space: toggle · Enter: simpan / save · Esc: menu");
    match given(prompt.prompt())? {
        Ok(chosen) => {
            let values: Vec<String> = chosen
                .iter()
                .filter_map(|c| options.iter().position(|o| o == c))
                .map(|i| q.choices[i].value.clone())
                .collect();
            answer(interview, q, AnswerValue::Choices { values })
        }
        Err(asked) => Ok(Err(asked)),
    }
}

fn acknowledge(interview: &Interview, q: &QuestionView, label: &str) -> Result<Outcome, CliError> {
    match given(Confirm::new(label).with_default(true).prompt())? {
        Ok(true) => answer(interview, q, AnswerValue::Acknowledged { acknowledged: true }),
        Ok(false) => Ok(Ok(AnswerResult::Saved)),
        Err(asked) => Ok(Err(asked)),
    }
}

fn location(interview: &Interview, q: &QuestionView, label: &str) -> Result<Outcome, CliError> {
    let help = match &q.location_policy {
        Some(p) => format!(
            "lintang bujur tinggi akurasi / lat lon alt accuracy (≤ {:.0} m baik/good, > {:.0} m ditolak/refused) · Esc: menu",
            p.capture_accuracy_m, p.warning_accuracy_m
        ),
        None => "lintang bujur tinggi akurasi / lat lon alt accuracy · Esc: menu".into(),
    };
    let text = match given(
        Text::new(label).with_initial_value(&q.value).with_help_message(&help).prompt(),
    )? {
        Ok(text) => text,
        Err(asked) => return Ok(Err(asked)),
    };
    if text.trim().is_empty() {
        return answer(interview, q, AnswerValue::Empty);
    }
    let numbers: Vec<f64> = text.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [latitude, longitude, altitude, accuracy] = match numbers[..] {
        [lat, lon] => [lat, lon, 0.0, 0.0],
        [lat, lon, alt] => [lat, lon, alt, 0.0],
        [lat, lon, alt, acc] => [lat, lon, alt, acc],
        _ => {
            return Ok(Ok(AnswerResult::Invalid {
                message:
                    "Tulis 'lintang bujur [tinggi [akurasi]]' / Write 'lat lon [alt [accuracy]]'"
                        .into(),
            }));
        }
    };
    let point = GeopointInput { latitude, longitude, altitude, accuracy };
    match interview.set_location(q.reference.clone(), point) {
        Ok(result) => {
            if let Some(message) = &result.message {
                println!("  {}", message);
            }
            Ok(Ok(match (result.quality, result.answer) {
                (FixQualityView::Unacceptable, _) | (_, None) => AnswerResult::Invalid {
                    message: "Titik ditolak / The point was refused".into(),
                },
                (_, Some(answer)) => answer,
            }))
        }
        Err(VerivaliError::InvalidInput { reason }) => {
            Ok(Ok(AnswerResult::Invalid { message: reason }))
        }
        Err(other) => Err(other.into()),
    }
}

fn photo(interview: &Interview, q: &QuestionView, label: &str) -> Result<Outcome, CliError> {
    let help = "jalur berkas JPEG, kosong = lewati / a JPEG file path, empty = skip · Esc: menu";
    let path = match given(Text::new(label).with_help_message(help).prompt())? {
        Ok(path) => path,
        Err(asked) => return Ok(Err(asked)),
    };
    if path.trim().is_empty() {
        return Ok(Ok(AnswerResult::Saved));
    }
    match interview.attach_photo(q.reference.clone(), path.trim().to_owned()) {
        Ok(photo) => {
            println!(
                "  ✓ {} ({}×{}, {} KB dari/from {} KB)",
                photo.file_name,
                photo.width,
                photo.height,
                photo.bytes / 1024,
                photo.source_bytes / 1024
            );
            Ok(Ok(photo.answer))
        }
        Err(VerivaliError::PhotoRejected { reason, .. }) => {
            Ok(Ok(AnswerResult::Invalid { message: reason }))
        }
        Err(other) => Err(other.into()),
    }
}

/// "Add another member?" after the last one.
pub fn repeat_prompt(interview: &Interview, prompt: &RepeatPromptView) -> Result<Asked, CliError> {
    let label = prompt.label.clone().unwrap_or_else(|| prompt.repeat.clone());
    let question = format!("{label}: {} sekarang / now. Tambah lagi? / Add another?", prompt.count);
    match given(Confirm::new(&question).with_default(false).prompt())? {
        Ok(true) => {
            interview.add_repeat(prompt.repeat.clone())?;
            // The new member's first screen takes the prompt's place.
            println!("  ＋ ditambah / added");
            Ok(Asked::Stay)
        }
        Ok(false) => Ok(Asked::Done),
        Err(asked) => Ok(asked),
    }
}

/// A reason for going on despite a warning; `None` when the enumerator would rather fix it.
pub fn reason() -> Result<Option<String>, CliError> {
    let go_on = Confirm::new("Lanjutkan dengan alasan? / Go on with a reason?").with_default(false);
    match given(go_on.prompt())? {
        Ok(true) => {}
        _ => return Ok(None),
    }
    let text = Text::new("Alasan / Reason:")
        .with_validator(|t: &str| {
            Ok(if t.trim().len() >= 5 {
                inquire::validator::Validation::Valid
            } else {
                inquire::validator::Validation::Invalid(
                    "Tulis alasan yang jelas / Write a clear reason".into(),
                )
            })
        })
        .prompt();
    match given(text)? {
        Ok(reason) => Ok(Some(reason)),
        Err(_) => Ok(None),
    }
}
