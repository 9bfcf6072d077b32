//! `verivali interview`: the questionnaire in a terminal, from the same screen model the Android
//! shell draws. Pick a household by search (or start a new one), answer screen by screen, see
//! the form's errors and the registry's findings inline, go back, jump to a section, add or
//! remove members, switch the form's language, and finalize with a reason for each warning.
//! Every answer is saved by the core before the next prompt: quitting or a killed terminal
//! loses nothing. Esc opens the menu; Ctrl-C quits.

mod ask;

use std::{process::ExitCode, sync::Arc};

use inquire::{InquireError, Select, Text};
use verivali_core::api::{
    FinalizeResult, FindingSeverity, Interview, RuleFinding, ScreenView, SearchRequest, Verivali,
    WarningConfirmation,
};

use crate::CliError;
use ask::Asked;

const PAGE: usize = 10;

/// How a prompt ended when it did not give a value.
pub(crate) fn cancelled(error: &InquireError) -> bool {
    matches!(error, InquireError::OperationCanceled)
}

fn interrupted(error: &InquireError) -> bool {
    matches!(error, InquireError::OperationInterrupted)
}

fn prompt_error(error: InquireError) -> CliError {
    CliError::Usage(format!("Terminal tidak dapat dipakai / The terminal cannot be used: {error}"))
}

/// Runs one interactive interview with form `form_id`; `household` skips the search.
pub fn run(
    verivali: &Arc<Verivali>,
    form_id: &str,
    household: Option<Option<String>>,
) -> Result<ExitCode, CliError> {
    println!("Verivali · Esc: menu · Ctrl-C: keluar/quit (draf tersimpan / draft saved)");
    let household = match household {
        Some(chosen) => chosen,
        None => match pick_household(verivali)? {
            Some(chosen) => chosen,
            None => return Ok(ExitCode::SUCCESS),
        },
    };
    let interview = match resumable(verivali, household.as_deref())? {
        Some(draft) if resume_or_new()? => verivali.interview(draft)?,
        _ => verivali.start_interview(form_id.to_owned(), household)?,
    };
    println!("Wawancara / Interview {}", interview.id());
    Session { interview, confirmations: Vec::new() }.drive()
}

/// The newest draft (or returned) interview of a prelist household, to go on with.
fn resumable(verivali: &Verivali, household: Option<&str>) -> Result<Option<String>, CliError> {
    let Some(household) = household else { return Ok(None) };
    Ok(verivali.open_draft_of(household.to_owned())?)
}

fn resume_or_new() -> Result<bool, CliError> {
    let options = vec![RESUME, START_NEW];
    match Select::new("Rumah tangga ini punya draf / This household has a draft:", options).prompt()
    {
        Ok(choice) => Ok(choice == RESUME),
        Err(e) if cancelled(&e) || interrupted(&e) => Ok(true),
        Err(e) => Err(prompt_error(e)),
    }
}

const RESUME: &str = "↻ Lanjutkan draf / Go on with the draft";
const START_NEW: &str = "＋ Kunjungan baru / A new visit";

/// Search until a household is chosen; `Some(None)` is a new household, `None` quitting.
fn pick_household(verivali: &Verivali) -> Result<Option<Option<String>>, CliError> {
    loop {
        let query = match Text::new("Cari rumah tangga / Find a household:")
            .with_help_message("nama, NIK, atau ID DTKS; kosong = rumah tangga baru / name, NIK or ID DTKS; empty = a new household")
            .prompt()
        {
            Ok(query) => query,
            Err(e) if cancelled(&e) || interrupted(&e) => return Ok(None),
            Err(e) => return Err(prompt_error(e)),
        };
        if query.trim().is_empty() {
            return Ok(Some(None));
        }
        let request = SearchRequest { text: query, area: None, page_size: 20 };
        let results = verivali.search(request, 0)?;
        if results.hits.is_empty() {
            println!("  Tidak ditemukan / Nothing found.");
            continue;
        }
        let mut options: Vec<String> = results
            .hits
            .iter()
            .map(|h| {
                format!(
                    "{} · {} · {} ART · desa {}",
                    h.id_dtks,
                    h.head_name.as_deref().unwrap_or("-"),
                    h.member_count,
                    h.desa_code
                )
            })
            .collect();
        options.push(SEARCH_AGAIN.to_owned());
        options.push(NEW_HOUSEHOLD.to_owned());
        let choice = match Select::new("Pilih / Choose:", options).with_page_size(PAGE).prompt() {
            Ok(choice) => choice,
            Err(e) if cancelled(&e) => continue,
            Err(e) if interrupted(&e) => return Ok(None),
            Err(e) => return Err(prompt_error(e)),
        };
        match choice.as_str() {
            SEARCH_AGAIN => continue,
            NEW_HOUSEHOLD => return Ok(Some(None)),
            chosen => return Ok(Some(chosen.split(" · ").next().map(str::to_owned))),
        }
    }
}

const SEARCH_AGAIN: &str = "↺ Cari lagi / Search again";
const NEW_HOUSEHOLD: &str = "＋ Rumah tangga baru / New household";

struct Session {
    interview: Arc<Interview>,
    confirmations: Vec<WarningConfirmation>,
}

/// What the menu asked for.
enum Menu {
    Stay,
    Next,
    Back,
    Finalized,
    Quit,
}

const M_NEXT: &str = "▶ Lanjut / Next";
const M_BACK: &str = "◀ Kembali / Back";
const M_JUMP: &str = "☰ Lompat ke bagian / Jump to a section";
const M_REMOVE: &str = "－ Hapus anggota ini / Remove this member";
const M_FINDINGS: &str = "⚠ Semua temuan / All findings";
const M_LANGUAGE: &str = "🌐 Bahasa formulir / Form language";
const M_FINALIZE: &str = "✔ Final / Finalize";
const M_QUIT: &str = "✖ Keluar, draf tersimpan / Quit, draft saved";

impl Session {
    fn drive(mut self) -> Result<ExitCode, CliError> {
        let mut screen = self.interview.screen()?;
        loop {
            render(&screen);
            let step = match self.answer_screen(&screen)? {
                Asked::Done => {
                    if screen.can_go_forward {
                        Menu::Next
                    } else {
                        println!("  Akhir formulir / End of the form.");
                        self.menu(&screen)?
                    }
                }
                Asked::Stay => Menu::Stay,
                Asked::Menu => self.menu(&screen)?,
                Asked::Quit => Menu::Quit,
            };
            screen = match step {
                Menu::Stay => self.interview.screen()?,
                Menu::Next => self.interview.next()?,
                Menu::Back => self.interview.previous()?,
                Menu::Finalized => return Ok(ExitCode::SUCCESS),
                Menu::Quit => {
                    println!("Draf tersimpan / Draft saved: {}", self.interview.id());
                    return Ok(ExitCode::SUCCESS);
                }
            };
        }
    }

    /// Asks each question of the screen in turn (or the repeat prompt).
    fn answer_screen(&self, screen: &ScreenView) -> Result<Asked, CliError> {
        if let Some(prompt) = &screen.repeat_prompt {
            return ask::repeat_prompt(&self.interview, prompt);
        }
        for question in &screen.questions {
            match ask::question(&self.interview, question)? {
                Asked::Done => {}
                other => return Ok(other),
            }
        }
        Ok(Asked::Done)
    }

    fn menu(&mut self, screen: &ScreenView) -> Result<Menu, CliError> {
        let mut options = vec![M_NEXT, M_BACK, M_JUMP];
        if screen.repeat_instance.is_some() {
            options.push(M_REMOVE);
        }
        options.extend([M_FINDINGS, M_LANGUAGE, M_FINALIZE, M_QUIT]);
        let choice = match Select::new("Menu:", options).with_page_size(PAGE).prompt() {
            Ok(choice) => choice,
            Err(e) if cancelled(&e) => return Ok(Menu::Stay),
            Err(e) if interrupted(&e) => return Ok(Menu::Quit),
            Err(e) => return Err(prompt_error(e)),
        };
        Ok(match choice {
            M_NEXT => Menu::Next,
            M_BACK => Menu::Back,
            M_JUMP => self.jump(screen)?,
            M_REMOVE => {
                if let Some(member) = &screen.repeat_instance {
                    self.interview.remove_repeat(member.clone())?;
                    println!("  Dihapus / Removed: {member}");
                }
                Menu::Stay
            }
            M_FINDINGS => {
                print_findings(&self.interview.findings()?);
                Menu::Stay
            }
            M_LANGUAGE => {
                self.switch_language()?;
                Menu::Stay
            }
            M_FINALIZE => self.finalize()?,
            _ => Menu::Quit,
        })
    }

    fn jump(&self, screen: &ScreenView) -> Result<Menu, CliError> {
        let labels: Vec<String> = screen.sections.iter().map(|s| s.label.clone()).collect();
        match Select::new("Bagian / Section:", labels.clone()).with_page_size(PAGE).prompt() {
            Ok(label) => {
                let index = labels.iter().position(|l| *l == label).unwrap_or(0);
                self.interview.jump(index as u32)?;
                Ok(Menu::Stay)
            }
            Err(e) if cancelled(&e) => Ok(Menu::Stay),
            Err(e) if interrupted(&e) => Ok(Menu::Quit),
            Err(e) => Err(prompt_error(e)),
        }
    }

    fn switch_language(&self) -> Result<(), CliError> {
        let languages = self.interview.languages()?;
        if languages.len() < 2 {
            println!("  Formulir ini satu bahasa / This form has one language.");
            return Ok(());
        }
        match Select::new("Bahasa / Language:", languages).prompt() {
            Ok(language) => Ok(self.interview.set_language(language)?),
            Err(e) if cancelled(&e) || interrupted(&e) => Ok(()),
            Err(e) => Err(prompt_error(e)),
        }
    }

    /// Finalizes, asking a reason for each warning; errors and form violations are shown.
    fn finalize(&mut self) -> Result<Menu, CliError> {
        loop {
            match self.interview.finalize(self.confirmations.clone())? {
                FinalizeResult::Finalized { findings } => {
                    println!(
                        "✔ Final: wawancara {} menunggu dikirim / interview waiting to be sent ({} temuan/findings).",
                        self.interview.id(),
                        findings.len()
                    );
                    return Ok(Menu::Finalized);
                }
                FinalizeResult::Blocked { form_violations, errors, unconfirmed } => {
                    if !form_violations.is_empty() || !errors.is_empty() {
                        println!("  Belum bisa final / Not final yet:");
                        for reference in &form_violations {
                            println!(
                                "    ✗ {reference}: wajib diisi atau tidak sah / required or invalid"
                            );
                        }
                        print_findings(&errors);
                        return Ok(Menu::Stay);
                    }
                    for warning in &unconfirmed {
                        print_findings(std::slice::from_ref(warning));
                        match ask::reason()? {
                            Some(reason) => self.confirmations.push(WarningConfirmation {
                                rule: warning.rule.clone(),
                                reference: warning.reference.clone(),
                                reason,
                            }),
                            None => return Ok(Menu::Stay),
                        }
                    }
                }
            }
        }
    }
}

fn render(screen: &ScreenView) {
    let section = screen.section.as_deref().map(|s| format!("{s} · ")).unwrap_or_default();
    let mut header = format!("── {section}layar/screen {}/{} ", screen.index + 1, screen.count);
    let width = header.chars().count();
    if width < 78 {
        header.push_str(&"─".repeat(78 - width));
    }
    println!("{header}");
    if let Some(title) = &screen.title {
        println!("  {title}");
    }
    for question in &screen.questions {
        if question.readonly {
            println!("  {}: {}", question.label, question.value);
        }
        if let Some(error) = &question.error {
            println!("  ✗ {error}");
        }
        print_findings(&question.findings);
    }
}

fn print_findings(findings: &[RuleFinding]) {
    for finding in findings {
        let mark = match finding.severity {
            FindingSeverity::Error => "✗",
            FindingSeverity::Warning => "⚠",
            FindingSeverity::Info => "ℹ",
        };
        println!("  {mark} {} / {}", finding.message_id, finding.message_en);
        if let Some(suggestion) = &finding.suggestion {
            println!("    saran / suggestion: {suggestion}");
        }
    }
}
