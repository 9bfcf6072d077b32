//! An answer as a person gives it, and the one place its text in the instance is spelled.
//!
//! XForms keeps every answer as text: a select-multiple holds its choices' values separated by
//! spaces, an acknowledgement holds `OK`, an empty node means no answer. Shells that spell these
//! themselves drift apart; they pass an [`Answer`] instead, and read one back with
//! [`Answer::read`].

use super::QuestionKind;

/// What the person chose or typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Typed text: a string, a number, a date (`YYYY-MM-DD`), a time; the engine checks it
    /// against the question's type.
    Text(String),
    /// One choice's value (select one).
    Choice(String),
    /// Several choices' values, in the order given (select multiple).
    Choices(Vec<String>),
    /// An acknowledgement (ODK's trigger): ticked or not.
    Acknowledged(bool),
    /// No answer.
    Empty,
}

/// What an acknowledged trigger holds, as JavaRosa writes it.
const ACKNOWLEDGED: &str = "OK";

impl Answer {
    /// The answer's text in the instance.
    pub fn to_instance_text(&self) -> String {
        match self {
            Answer::Text(text) | Answer::Choice(text) => text.clone(),
            Answer::Choices(values) => values
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            Answer::Acknowledged(true) => ACKNOWLEDGED.to_owned(),
            Answer::Acknowledged(false) | Answer::Empty => String::new(),
        }
    }

    /// The answer a question of `kind` holds as `text`.
    pub fn read(kind: QuestionKind, text: &str) -> Answer {
        if text.is_empty() && kind != QuestionKind::Acknowledge {
            return Answer::Empty;
        }
        match kind {
            QuestionKind::SelectOne => Answer::Choice(text.to_owned()),
            QuestionKind::SelectMultiple => {
                Answer::Choices(text.split_whitespace().map(str::to_owned).collect())
            }
            QuestionKind::Acknowledge => Answer::Acknowledged(text == ACKNOWLEDGED),
            _ => Answer::Text(text.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_answer_is_spelled_as_javarosa_keeps_it_and_reads_back() {
        let cases = [
            (QuestionKind::SelectMultiple, Answer::Choices(vec!["1".into(), "3".into()]), "1 3"),
            (QuestionKind::SelectOne, Answer::Choice("2".into()), "2"),
            (QuestionKind::Acknowledge, Answer::Acknowledged(true), "OK"),
            (QuestionKind::Acknowledge, Answer::Acknowledged(false), ""),
            (QuestionKind::Date, Answer::Text("2026-12-07".into()), "2026-12-07"),
            (QuestionKind::Integer, Answer::Empty, ""),
        ];
        for (kind, answer, text) in cases {
            assert_eq!(answer.to_instance_text(), text, "{answer:?}");
            assert_eq!(Answer::read(kind, text), answer, "{kind:?} {text:?}");
        }
    }

    #[test]
    fn blank_choice_values_are_dropped_from_a_multiple_answer() {
        let answer = Answer::Choices(vec![" 4".into(), "".into(), "5 ".into()]);
        assert_eq!(answer.to_instance_text(), "4 5");
    }
}
