//! The core's log events, handed to a logger the shell registers (Logcat on Android).
//!
//! The core logs through `tracing`; on a phone nothing would read those events and an error
//! logged there would be lost. [`set_core_logger`] installs, once per process, a small subscriber
//! that forwards each event at or above the chosen level to the shell's [`CoreLogger`], with its
//! level, its module and its text. Nothing personal may reach a log: the core never logs names,
//! NIK or answers, and as a second line of defence every run of ten or more digits (a NIK, a
//! No. KK, a phone number) is masked before the event leaves the core.

use std::sync::{Arc, OnceLock, RwLock};

use tracing::{
    Event, Level, Metadata,
    field::{Field, Visit},
    span,
    subscriber::Interest,
};

use super::{ApiResult, VerivaliError};

/// How much the shell wants to hear; each level includes the ones above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// One event from the core.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogEvent {
    pub level: LogLevel,
    /// The module that logged it, e.g. `verivali_core::outbox::upload`.
    pub target: String,
    /// The text and its fields (`key=value`), long digit runs masked.
    pub message: String,
}

/// Implemented by the shell: receives the core's events on the thread that logged them. Keep
/// it quick and do not call back into the core from it.
#[uniffi::export(with_foreign)]
pub trait CoreLogger: Send + Sync {
    fn log(&self, event: LogEvent);
}

/// Sends the core's events at `max_level` and above to `logger`; `None` stops forwarding.
/// Fails only when the host process already installed a `tracing` subscriber of its own (the
/// CLI does): then that one receives the events.
#[uniffi::export]
pub fn set_core_logger(logger: Option<Arc<dyn CoreLogger>>, max_level: LogLevel) -> ApiResult<()> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let installed =
        *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Forwarder).is_ok());
    if !installed {
        return Err(VerivaliError::InvalidInput {
            reason: "pencatat log lain sudah terpasang / another log subscriber is installed"
                .into(),
        });
    }
    *SINK.write().unwrap_or_else(|poisoned| poisoned.into_inner()) =
        logger.map(|logger| Sink { logger, max_level });
    Ok(())
}

struct Sink {
    logger: Arc<dyn CoreLogger>,
    max_level: LogLevel,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

fn level_of(level: &Level) -> LogLevel {
    match *level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warn,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        _ => LogLevel::Trace,
    }
}

/// The process-wide subscriber: no spans kept, each event forwarded as it happens.
struct Forwarder;

impl tracing::Subscriber for Forwarder {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The logger and its level change at run time: ask `enabled` every time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let sink = SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        sink.as_ref().is_some_and(|s| level_of(metadata.level()) <= s.max_level)
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let logger = {
            let sink = SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            match sink.as_ref() {
                Some(s) if level_of(event.metadata().level()) <= s.max_level => {
                    Arc::clone(&s.logger)
                }
                _ => return,
            }
        };
        let mut text = EventText::default();
        event.record(&mut text);
        logger.log(LogEvent {
            level: level_of(event.metadata().level()),
            target: event.metadata().target().to_owned(),
            message: mask_long_numbers(&text.finish()),
        });
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// An event's message followed by its other fields.
#[derive(Default)]
struct EventText {
    message: String,
    fields: String,
}

impl EventText {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields.push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.push_str(&format!(" {}={value}", field.name()));
        }
    }
}

/// Every run of ten or more digits, as `[N digit]`: a NIK, a No. KK or a phone number never
/// leaves the core in a log line, even if a future log call carries one by mistake.
fn mask_long_numbers(text: &str) -> String {
    const LONGEST_KEPT: usize = 9;
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() > LONGEST_KEPT {
            out.push_str(&format!("[{} digit]", digits.len()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<LogEvent>>);

    impl CoreLogger for Collect {
        fn log(&self, event: LogEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    impl Collect {
        fn marked(&self, marker: &str) -> Vec<LogEvent> {
            let events = self.0.lock().unwrap();
            events.iter().filter(|e| e.message.contains(marker)).cloned().collect()
        }
    }

    #[test]
    fn long_digit_runs_are_masked_and_short_numbers_kept() {
        assert_eq!(
            mask_long_numbers("nik 5271010711026972, hp 081234567890, 3 of 120 tries"),
            "nik [16 digit], hp [12 digit], 3 of 120 tries"
        );
        assert_eq!(mask_long_numbers("123456789"), "123456789");
    }

    #[test]
    fn events_reach_the_shells_logger_at_its_level_with_personal_numbers_masked() {
        let collect = Arc::new(Collect::default());
        set_core_logger(Some(collect.clone()), LogLevel::Info).unwrap();
        tracing::warn!(nik = "5271010711026972", "marker-a lookup failed");
        tracing::debug!("marker-a below the level");
        let seen = collect.marked("marker-a");
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].level, LogLevel::Warn);
        assert!(seen[0].target.ends_with("api::logging::tests"), "{}", seen[0].target);
        assert_eq!(seen[0].message, "marker-a lookup failed nik=[16 digit]");

        set_core_logger(None, LogLevel::Trace).unwrap();
        tracing::error!("marker-a after the logger left");
        assert_eq!(collect.marked("marker-a").len(), 1, "nothing after None");
    }
}
