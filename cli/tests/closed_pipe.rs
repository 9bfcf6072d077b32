//! `verivali … | head` (issue 21): a command whose reader goes away stops quietly, with the
//! status a shell reports for a Unix tool stopped the same way, and no panic or backtrace.

use std::{
    io::Read,
    process::{Command, Stdio},
};

fn stops_quietly(args: &[&str]) {
    // stderr may carry the trial key's warning; it must carry nothing about the pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 512];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's reader is gone now; the command keeps writing into it.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{args:?}: {stderr}");
}

#[test]
fn printing_into_a_closed_pipe_ends_the_command_quietly() {
    stops_quietly(&["fixtures", "prelist", "--households", "20000"]);
}

#[test]
fn a_print_into_a_closed_pipe_ends_the_command_quietly_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("office");
    let data = data.to_str().unwrap();
    let written = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .args([
            "--data",
            data,
            "--insecure-dev-key",
            "fixtures",
            "field-day",
            "--households",
            "1500",
        ])
        .output()
        .unwrap();
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    // One println! of the whole queue, far larger than a pipe holds.
    stops_quietly(&[
        "--data",
        data,
        "--insecure-dev-key",
        "serve",
        "review",
        "list",
        "--json",
        "--limit",
        "1500",
    ]);
}
