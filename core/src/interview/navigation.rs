//! Where an interview stands among its screens: the shell moves forward, back or to a section, and a
//! reopened interview comes back on the screen of the question answered last.
//!
//! The screens are recomputed from the form on every call (an answer can make whole sections
//! relevant or not), so the position is an index clamped into the current list.

use super::{InterviewSession, InterviewError};
use crate::form::session::Screen;

impl InterviewSession {
    /// The screen shown now, within the current screens.
    pub fn screen_index(&self) -> Result<usize, InterviewError> {
        let count = self.session.screens()?.len();
        Ok(self.screen.min(count.saturating_sub(1)))
    }

    /// Moves `step` screens forward (or back when negative), stopping at either end.
    pub fn move_by(&mut self, step: isize) -> Result<(), InterviewError> {
        let count = self.session.screens()?.len();
        let target = self.screen_index()? as isize + step;
        self.screen = target.clamp(0, count.saturating_sub(1) as isize) as usize;
        Ok(())
    }

    /// Goes to the first screen of section `section` (an index into the form's sections);
    /// `false` when the form has no such section.
    pub fn jump_to_section(&mut self, section: usize) -> Result<bool, InterviewError> {
        let sections = self.session.sections()?;
        let Some((_, screen)) = sections.get(section) else { return Ok(false) };
        self.screen = *screen;
        Ok(true)
    }

    /// Goes to the screen that shows `reference` (a question, or a repeat's "add another?"),
    /// staying put when no screen shows it now.
    pub(super) fn go_to(&mut self, reference: &str) {
        let Ok(screens) = self.session.screens() else { return };
        let found = screens.iter().position(|screen| match screen {
            Screen::Questions { questions, .. } => questions.iter().any(|q| q.reference == reference),
            Screen::RepeatPrompt { repeat, .. } => repeat == reference,
        });
        if let Some(index) = found {
            self.screen = index;
        }
    }
}
