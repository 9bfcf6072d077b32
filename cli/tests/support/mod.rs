//! What the CLI's integration tests share: where the fixtures are, and the `verivali` binary
//! on a store opened with the publicly known trial key. Each test file includes it with
//! `mod support;` and uses what it needs.

#![allow(dead_code)]

pub mod serve_process;
#[path = "../../../receiver/tests/support/web.rs"]
pub mod web;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The repository's `test-fixtures/`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures")
}

/// The `verivali` binary this test run built.
pub fn verivali_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_verivali"))
}

/// The binary on the store in `data`, opened with the trial key.
pub fn verivali(data: &Path) -> Command {
    let mut command = verivali_bin();
    command.arg("--data").arg(data).arg("--insecure-dev-key");
    command
}

/// Writes `key` as the 64 hex digits `--key-file` takes, to `key.hex` in `dir`; its path.
#[allow(dead_code)]
pub fn key_file(dir: &Path, key: &[u8]) -> PathBuf {
    let path = dir.join("key.hex");
    std::fs::write(&path, verivali_form::hex::hex(key)).unwrap();
    path
}

/// The key the tests' receivers encrypt their databases with.
#[allow(dead_code)]
pub const RECEIVER_KEY: [u8; 32] = [7; 32];

/// A receiver's data folder with the mini form published and the sample prelist (desa
/// 52.71.01.1009) added: what a device's uploads in these tests are checked against.
#[allow(dead_code)]
pub fn receiver_dir_with_sample_prelist(dir: &Path) {
    verivali_cli::serve::publish_form(
        dir,
        &RECEIVER_KEY,
        &fixtures().join("forms/mini-verivali/form.xml"),
    )
    .unwrap();
    verivali_cli::serve::add_prelist(
        dir,
        &RECEIVER_KEY,
        &fixtures().join("prelist/sample.jsonl"),
        None,
    )
    .unwrap();
}
