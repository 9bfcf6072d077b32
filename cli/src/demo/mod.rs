//! `verivali demo`: a whole field day on a laptop, on embedded defaults. A reference receiver
//! starts on a free loopback port; a device store gets the DTKS form over OpenRosa and the
//! sample prelist; scripted visits run through the same API the Android shell uses; uploads
//! wait while the receiver is "offline" and go when it is back; a summary says what happened.
//! It is also our widest end-to-end test (`cli/tests/demo_cli.rs`).

mod assets;
mod blank_spot;
mod review;
mod visits;

use std::{
    collections::BTreeMap,
    io::IsTerminal,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Args;
use serde_json::{Value as Json, json};
use verivali_cli::{
    key::INSECURE_DEV_KEY,
    serve::{self, Receiver},
};
use verivali_core::api::{
    FinalizeResult, Interview, RuleFinding, ScreenView, UploadState, Verivali, WarningConfirmation,
    now_ms,
};

use crate::CliError;
use visits::{Script, Step};

const FORM_ID: &str = "dtks_verivali";
/// Marks a folder as the demo's own, so a second run may empty it.
const MARKER: &str = ".verivali-demo";

#[derive(Args)]
pub struct DemoArgs {
    /// Folder untuk semua hasil demo (dikosongkan bila berisi demo sebelumnya) / Folder for
    /// everything the demo makes (emptied when it holds an earlier demo)
    #[arg(long, value_name = "DIR", default_value = "verivali-demo")]
    dir: PathBuf,
    /// Biarkan penerima berjalan untuk peramban / Keep the receiver running for a browser
    #[arg(long)]
    keep_running: bool,
    /// Lama tiap layar tampil, milidetik (hanya di terminal) / How long each screen shows, ms (terminal only)
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pace: u64,
    /// Cetak ringkasan sebagai JSON (kemajuan ke stderr) / Print the summary as JSON (progress to stderr)
    #[arg(long)]
    json: bool,
}

/// What one visit came to.
struct VisitOutcome {
    household: Option<String>,
    status: &'static str,
    screens: u32,
    photos: u32,
    errors_fixed: Vec<String>,
    warnings_confirmed: Vec<String>,
}

struct Demo {
    args: DemoArgs,
    dir: PathBuf,
    started: Instant,
}

pub fn run(args: DemoArgs) -> Result<ExitCode, CliError> {
    let dir = prepare_dir(&args.dir)?;
    let demo = Demo { args, dir, started: Instant::now() };
    demo.run()
}

/// Creates the demo folder, emptying it only when an earlier demo made it.
/// The demo receiver's operator account: publicly known, like the demo key, and said so.
const DEMO_USER: &str = "demo";
const DEMO_PASSWORD: &str = "demo-verivali";

fn prepare_dir(dir: &Path) -> Result<PathBuf, CliError> {
    let output = |e: std::io::Error| CliError::Output { path: dir.to_path_buf(), source: e };
    if dir.exists() {
        let ours = dir.join(MARKER).exists();
        let empty = std::fs::read_dir(dir).map_err(output)?.next().is_none();
        if !ours && !empty {
            return Err(CliError::Usage(format!(
                "{0} sudah berisi berkas lain; pilih --dir lain. / {0} already holds other files; \
                 choose another --dir.",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(dir).map_err(output)?;
    }
    std::fs::create_dir_all(dir).map_err(output)?;
    std::fs::write(dir.join(MARKER), "verivali demo\n").map_err(output)?;
    std::fs::canonicalize(dir).map_err(output)
}

impl Demo {
    /// Progress for people: stdout, or stderr when stdout carries JSON.
    fn say(&self, text: &str) {
        for line in text.lines().flat_map(|line| wrap(line, 80)) {
            if self.args.json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }

    fn run(&self) -> Result<ExitCode, CliError> {
        let output = |e: std::io::Error| CliError::Output { path: self.dir.clone(), source: e };
        self.say(&format!("Verivali demo — folder: {}", self.dir.display()));
        self.say(
            "!!! KUNCI DEMO: kunci ini diketahui umum; jangan pernah menyimpan data sungguhan. !!!\n\
             !!! DEMO KEY: this key is publicly known; never store real data with it.       !!!",
        );
        let assets = assets::write(&self.dir).map_err(output)?;

        // 1. The receiver, with the form and the prelist, and a token for the device.
        let receiver_dir = self.dir.join("receiver");
        let serve_error = |e: serve::ServeError| CliError::Usage(e.to_string());
        serve::publish_form(&receiver_dir, &INSECURE_DEV_KEY, &assets.form).map_err(serve_error)?;
        serve::add_prelist(&receiver_dir, &INSECURE_DEV_KEY, &assets.prelist, None)
            .map_err(serve_error)?;
        // A person to log in to the receiver's pages, with a password as public as the demo key.
        serve::add_user(
            &receiver_dir,
            &INSECURE_DEV_KEY,
            DEMO_USER,
            serve::Role::Operator,
            DEMO_PASSWORD,
        )
        .map_err(serve_error)?;
        let token =
            serve::add_token(&receiver_dir, &INSECURE_DEV_KEY, "Pencacah Demo", &["52".into()])
                .map_err(serve_error)?;
        let receiver = Receiver::start(&receiver_dir, &INSECURE_DEV_KEY, "127.0.0.1", 0)
            .map_err(serve_error)?;
        let url = receiver.url.clone();
        self.say(&format!(
            "[1/8] Penerima OpenRosa / OpenRosa receiver: {url} (formulir/form {FORM_ID}, token untuk/for NTB 52)"
        ));

        // 2. The device: the form and its area's prelist over the wire.
        let device = Verivali::open(
            self.dir.join("device").display().to_string(),
            INSECURE_DEV_KEY.to_vec(),
            None,
        )?;
        let synced = device.sync_down(url.clone(), Some(token.clone()), None, None)?;
        self.say(&format!(
            "[2/8] Perangkat / Device: formulir diunduh / form downloaded ({}), prelist {} rumah tangga / households",
            synced.installed.join(", "),
            synced.prelist_households
        ));

        // 3. The visits.
        self.say("[3/8] Kunjungan / Visits:");
        let records = sample_records();
        let scripts = visits::scripts(&records);
        let mut outcomes = Vec::new();
        for (i, script) in scripts.iter().enumerate() {
            outcomes.push(self.visit(&device, script, &assets.photos, i + 1, scripts.len())?);
        }

        // 4. Offline: the receiver stops; uploads wait with their next attempt.
        let port = url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).unwrap_or(0);
        drop(receiver);
        let offline =
            device.upload_pending(url.clone(), Some(token.clone()), 10_000, None, None)?;
        let waiting = device.outbox_status()?;
        self.say(&format!(
            "[4/8] Luring / Offline: {} menunggu / waiting (ditolak / connection refused)",
            offline.retry_later
        ));
        let now = now_ms();
        for entry in waiting.iter().filter(|e| e.state == UploadState::RetryLater).take(3) {
            let seconds = entry.next_attempt_at.map_or(0, |at| (at - now).max(0) / 1000);
            self.say(&format!("      {} · lagi/retry: {seconds} s", entry.interview_id));
        }
        self.say(&format!("      $ verivali {}", outbox_command(&self.dir).join(" ")));

        // 5. Online: the receiver is back on the same port; "send now".
        let receiver = Receiver::start(&receiver_dir, &INSECURE_DEV_KEY, "127.0.0.1", port)
            .map_err(serve_error)?;
        device.send_now()?;
        self.say(
            "[5/8] Daring / Online: kirim sekarang / send now (= verivali upload --now): mengirim / sending…",
        );
        let bar = upload_bar(self.args.json, waiting.len() as u64);
        let listener = Arc::new(crate::exchange_cmd::UploadBar(bar.clone()));
        let online = device.upload_pending(
            url.clone(),
            Some(token.clone()),
            30_000,
            Some(listener),
            None,
        )?;
        bar.finish_and_clear();

        // 6. The pengawas: the sample, a return, its correction, the approval.
        let review = self.review_loop(&receiver_dir, &device, &url, &token)?;

        // 7. A blank spot: hand-over, review and correction by bundle, then signal.
        let blank_spot = self.blank_spot(&receiver_dir, &url, &sample_records(), &assets.photos)?;

        // 8. The summary.
        let received = received(&receiver_dir);
        let mut summary = summary(&self.dir, &url, &outcomes, &offline, &online, received);
        summary["review"] = review;
        summary["blank_spot"] = blank_spot;
        summary["recap"] = self.office_recap(&receiver_dir, &url)?;
        self.print_summary(&summary);
        if self.args.json {
            println!("{summary}");
        }
        if self.args.keep_running {
            self.say(&format!(
                "Penerima tetap berjalan: buka {url}/login (pengguna {DEMO_USER}, kata sandi {DEMO_PASSWORD}). Tekan Ctrl-C untuk berhenti. / \
                 The receiver keeps running: open {url}/login (user {DEMO_USER}, password {DEMO_PASSWORD}). Press Ctrl-C to stop."
            ));
            receiver.wait();
        }
        let complete = online.acknowledged as usize == outcomes.len() && online.needs_person == 0;
        Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }

    fn visit(
        &self,
        device: &Verivali,
        script: &Script,
        photos: &Path,
        number: usize,
        total: usize,
    ) -> Result<VisitOutcome, CliError> {
        self.say(&format!(
            "  ▸ {number}/{total} · {} · status {}",
            script.household.as_deref().unwrap_or("(baru / new)"),
            script.status,
        ));
        for part in script.title.split(" / ") {
            self.say(&format!("    {part}"));
        }
        let interview = device.start_interview(FORM_ID.into(), script.household.clone())?;
        let mut outcome = VisitOutcome {
            household: script.household.clone(),
            status: script.status,
            screens: 0,
            photos: 0,
            errors_fixed: Vec::new(),
            warnings_confirmed: Vec::new(),
        };
        outcome.photos = apply(&interview, &script.steps, photos)?;
        outcome.screens = self.show_screens(&interview)?;
        let mut result = interview.finalize(Vec::new())?;
        if let FinalizeResult::Blocked { errors, .. } = &result
            && !errors.is_empty()
        {
            outcome.errors_fixed = errors.iter().map(|f| f.rule.clone()).collect();
            for error in errors {
                self.say(&format!("    ✗ {}: {}", error.rule, error.message_id));
            }
            apply(&interview, &script.fix, photos)?;
            result = interview.finalize(Vec::new())?;
        }
        if let FinalizeResult::Blocked { unconfirmed, .. } = &result
            && !unconfirmed.is_empty()
            && let Some(reason) = script.reason
        {
            outcome.warnings_confirmed = unconfirmed.iter().map(|f| f.rule.clone()).collect();
            for warning in unconfirmed {
                self.say(&format!("    ! {}: {}", warning.rule, warning.message_id));
            }
            self.say(&format!("      alasan / reason: \"{reason}\""));
            result = interview.finalize(confirm(unconfirmed, reason))?;
        }
        if let FinalizeResult::Blocked { form_violations, errors, unconfirmed } = &result {
            return Err(CliError::Usage(format!(
                "Kunjungan demo {number} tidak dapat final / Demo visit {number} cannot be \
                 finalized: {form_violations:?} {:?} {:?}",
                errors.iter().map(|f| &f.rule).collect::<Vec<_>>(),
                unconfirmed.iter().map(|f| &f.rule).collect::<Vec<_>>()
            )));
        }
        self.say(&format!(
            "    ✓ final · {} layar/screens · {} foto/photos",
            outcome.screens, outcome.photos
        ));
        Ok(outcome)
    }

    /// Walks every screen once, each shown briefly on a terminal.
    fn show_screens(&self, interview: &Interview) -> Result<u32, CliError> {
        let terminal = std::io::stderr().is_terminal() && self.args.pace > 0;
        let spinner = if terminal {
            indicatif::ProgressBar::new_spinner()
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut screen = interview.screen()?;
        let mut shown = 0;
        loop {
            shown += 1;
            spinner.set_message(screen_line(&screen));
            if terminal {
                std::thread::sleep(Duration::from_millis(self.args.pace));
            }
            if !screen.can_go_forward {
                break;
            }
            screen = interview.next()?;
        }
        spinner.finish_and_clear();
        Ok(shown)
    }

    /// The office's recap of what the receiver holds now, written beside the demo's files
    /// (`serve report recap`; ADR 0025): approved interviews only, the rest pending.
    fn office_recap(&self, receiver_dir: &Path, url: &str) -> Result<Json, CliError> {
        let recap = serve::recap::recap_in(receiver_dir, &INSECURE_DEV_KEY, None)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let file = self.dir.join("rekap.html");
        let page = serve::recap::print::page(&recap, &Default::default());
        std::fs::write(&file, page)
            .map_err(|e| CliError::Output { path: file.clone(), source: e })?;
        let sum = |f: fn(&serve::recap::Counts) -> u64| -> u64 {
            recap.kabupaten.iter().map(|k| f(&k.total)).sum()
        };
        Ok(json!({
            "approved": sum(|c| c.approved),
            "pending": sum(|c| c.pending),
            "file": file,
            "pages": [format!("{url}/progress"), format!("{url}/recap")],
        }))
    }

    fn print_summary(&self, summary: &Json) {
        self.say("[8/8] Ringkasan / Summary");
        let per_status: Vec<String> = summary["visits_per_status"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| format!("{k}×{v}")).collect())
            .unwrap_or_default();
        let rules = |key: &str| -> String {
            let list = summary["findings"][key].as_array().cloned().unwrap_or_default();
            list.iter().filter_map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        };
        self.say(&format!("  Kunjungan per status / Visits per status: {}", per_status.join(" ")));
        self.say(&format!("  Kesalahan diperbaiki / Errors fixed: {}", rules("errors_fixed")));
        self.say(&format!(
            "  Peringatan dengan alasan / Warnings with a reason: {}",
            rules("warnings_confirmed")
        ));
        self.say(&format!(
            "  Diterima server / Acknowledged: {} wawancara/interviews, {} KB",
            summary["uploads"]["acknowledged"],
            summary["uploads"]["bytes_sent"].as_u64().unwrap_or(0) / 1024
        ));
        self.say(&format!(
            "  Penerima / Receiver: {} kiriman/submissions, {} lampiran/attachments",
            summary["receiver"]["submissions"], summary["receiver"]["attachments"]
        ));
        let states: Vec<String> = summary["review"]["per_state"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| format!("{k} {v}")).collect())
            .unwrap_or_default();
        self.say(&format!("  Pemeriksaan / Review: {}", states.join(", ")));
        self.say(&format!(
            "  Halaman status / Status page: {} (masuk / log in: {DEMO_USER} / {DEMO_PASSWORD}); antrean / queue: {}",
            summary["status_page"].as_str().unwrap_or_default(),
            summary["review"]["queue_page"].as_str().unwrap_or_default()
        ));
        self.say(&format!(
            "  Rekap kantor / Office recap: {} disetujui / approved, {} menunggu / pending → {} (juga / also {}, {})",
            summary["recap"]["approved"],
            summary["recap"]["pending"],
            summary["recap"]["file"].as_str().unwrap_or_default(),
            summary["recap"]["pages"][0].as_str().unwrap_or_default(),
            summary["recap"]["pages"][1].as_str().unwrap_or_default()
        ));
        self.say(&format!(
            "  Kotak keluar / Outbox: verivali {}",
            outbox_command(&self.dir).join(" ")
        ));
        self.say(&format!(
            "  Selesai / Done: {:.1} s · berkas / files: {}",
            self.started.elapsed().as_secs_f64(),
            self.dir.display()
        ));
    }
}

/// Applies steps; returns how many photos were attached.
fn apply(interview: &Interview, steps: &[Step], photos: &Path) -> Result<u32, CliError> {
    let mut attached = 0;
    for step in steps {
        match step {
            Step::Answer(reference, value) => {
                let result = interview.answer(reference.clone(), value.clone().into())?.result;
                if result != verivali_core::api::AnswerResult::Saved {
                    return Err(CliError::Usage(format!(
                        "Jawaban demo ditolak / A demo answer was refused: {reference} = {value}: {result:?}"
                    )));
                }
            }
            Step::AddRepeat(reference) => {
                interview.add_repeat(reference.clone())?;
            }
            Step::Photo(reference, name) => {
                let path = photos.join(name).display().to_string();
                interview.attach_photo(reference.clone(), path)?;
                attached += 1;
            }
            Step::Location(reference, point) => {
                interview.set_location(reference.clone(), *point)?;
            }
        }
    }
    Ok(attached)
}

fn confirm(warnings: &[RuleFinding], reason: &str) -> Vec<WarningConfirmation> {
    warnings
        .iter()
        .map(|w| WarningConfirmation {
            rule: w.rule.clone(),
            reference: w.reference.clone(),
            reason: reason.to_owned(),
        })
        .collect()
}

fn screen_line(screen: &ScreenView) -> String {
    let first = screen.questions.first();
    let label = first.map_or("", |q| q.label.as_str());
    let value = first.map_or("", |q| q.value.as_str());
    let mut line = format!(
        "[{}/{}] {} · {label}: {value}",
        screen.index + 1,
        screen.count,
        screen.section.as_deref().unwrap_or("")
    );
    line.truncate(line.char_indices().nth(76).map_or(line.len(), |(i, _)| i));
    line
}

fn upload_bar(hidden: bool, len: u64) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("      {bar:30} {pos}/{len} {msg}")
            .expect("a valid template"),
    );
    bar
}

/// The first records of the embedded sample prelist, which the scripted visits start from.
fn sample_records() -> Vec<Json> {
    assets::PRELIST
        .split(|&b| b == b'\n')
        .take(14)
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// Submissions and attachments the receiver holds.
fn received(receiver_dir: &Path) -> (u64, u64) {
    let count = |sql: &str| -> u64 {
        serve::store::open(receiver_dir, &INSECURE_DEV_KEY)
            .ok()
            .and_then(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)).ok())
            .map_or(0, |n| n as u64)
    };
    (count("SELECT count(*) FROM submissions"), count("SELECT count(*) FROM attachments"))
}

/// The arguments that show the demo device's outbox, as a user would type them.
fn outbox_command(dir: &Path) -> Vec<String> {
    let device = dir.join("device").display().to_string();
    vec!["--data".into(), device, "--insecure-dev-key".into(), "outbox".into()]
}

fn summary(
    dir: &Path,
    url: &str,
    outcomes: &[VisitOutcome],
    offline: &verivali_core::api::UploadSummary,
    online: &verivali_core::api::UploadSummary,
    (submissions, attachments): (u64, u64),
) -> Json {
    let mut per_status: BTreeMap<String, u32> = BTreeMap::new();
    for outcome in outcomes {
        let key = match outcome.household {
            Some(_) => outcome.status.to_owned(),
            None => "baru/new".to_owned(),
        };
        *per_status.entry(key).or_default() += 1;
    }
    json!({
        "dir": dir,
        "receiver": {"url": url, "submissions": submissions, "attachments": attachments},
        "status_page": format!("{url}/status"),
        "visits": outcomes.iter().map(|o| json!({
            "household": o.household,
            "status": o.status,
            "screens": o.screens,
            "photos": o.photos,
            "errors_fixed": o.errors_fixed,
            "warnings_confirmed": o.warnings_confirmed,
        })).collect::<Vec<_>>(),
        "visits_per_status": per_status,
        "findings": {
            "errors_fixed": outcomes.iter().flat_map(|o| o.errors_fixed.clone()).collect::<Vec<_>>(),
            "warnings_confirmed": outcomes.iter().flat_map(|o| o.warnings_confirmed.clone()).collect::<Vec<_>>(),
        },
        "offline": {"retry_later": offline.retry_later},
        "next": {"outbox": outbox_command(dir)},
        "uploads": {
            "acknowledged": online.acknowledged,
            "needs_person": online.needs_person,
            "bytes_sent": online.bytes_sent,
        },
    })
}

/// Breaks a line at spaces to `width` columns, continuing with the line's indent plus two.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let pad = if out.is_empty() { indent } else { indent + 2 };
        if !current.is_empty() && pad + current.chars().count() + 1 + word.chars().count() > width {
            out.push(format!("{}{current}", " ".repeat(pad)));
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    let pad = if out.is_empty() { indent } else { indent + 2 };
    out.push(format!("{}{current}", " ".repeat(pad)));
    out
}
