//! `verivali … | head`: when whoever reads the output goes away, the command stops quietly, as
//! Unix tools do, instead of a "Broken pipe" panic with a backtrace (issue 21). Rust ignores
//! SIGPIPE, so a write to a closed pipe fails and `println!` turns that failure into a panic.
//! Restoring SIGPIPE's default action would also kill the process on a closed *socket* (an upload,
//! the receiver), so the failure is recognised where it surfaces instead: the panic of a print,
//! and an output error on stdout.

/// The exit status of a command whose output pipe closed: 128 + SIGPIPE, what a shell reports
/// for a Unix tool stopped the same way.
pub const CLOSED_PIPE_STATUS: u8 = 141;

/// Makes a print to a closed stdout end the process quietly with [`CLOSED_PIPE_STATUS`]; every
/// other panic is reported as before.
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_closed_stdout(panic_message(info)) {
            std::process::exit(i32::from(CLOSED_PIPE_STATUS));
        }
        default(info);
    }));
}

fn panic_message<'a>(info: &'a std::panic::PanicHookInfo<'_>) -> &'a str {
    let payload = info.payload();
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default()
}

/// Whether a panic's message is `println!`'s on a closed pipe.
fn is_closed_stdout(message: &str) -> bool {
    message.starts_with("failed printing to stdout")
        && (message.contains("Broken pipe") || message.contains("os error 32"))
}

/// Whether a write failed because the reader went away.
pub fn is_closed_pipe(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::BrokenPipe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_print_to_a_closed_stdout_is_recognised() {
        assert!(is_closed_stdout("failed printing to stdout: Broken pipe (os error 32)"));
        assert!(!is_closed_stdout("failed printing to stderr: Broken pipe (os error 32)"));
        assert!(!is_closed_stdout("index out of bounds"));
        assert!(is_closed_pipe(&std::io::Error::from(std::io::ErrorKind::BrokenPipe)));
    }
}
