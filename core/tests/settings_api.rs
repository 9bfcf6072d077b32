//! The settings record: given at `open`, replaced whole by `update_settings`, bad values refused
//! with the field named and nothing changed.

use verivali_core::api::{Settings, Verivali, VerivaliError};

#[test]
fn open_refuses_bad_settings_before_it_creates_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let bad = Settings { location_warning_km: f64::NAN, ..Settings::default() };
    let refused = Verivali::open(data.display().to_string(), vec![1; 32], Some(bad));
    assert!(
        matches!(&refused, Err(VerivaliError::InvalidInput { reason }) if reason.contains("location_warning_km")),
        "{:?}",
        refused.err()
    );
    assert!(!data.exists(), "no store was created");
}

#[test]
fn settings_given_at_open_hold_and_a_refused_update_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let wita = Settings { utc_offset_minutes: 8 * 60, ..Settings::default() };
    let device = Verivali::open(dir.path().display().to_string(), vec![1; 32], Some(wita)).unwrap();
    assert_eq!(device.settings(), wita);
    let refused = device.update_settings(Settings { photo_retention_days: 99_999, ..wita });
    assert!(matches!(refused, Err(VerivaliError::InvalidInput { .. })));
    assert_eq!(device.settings(), wita, "the old settings stay");
    let wit = Settings { utc_offset_minutes: 9 * 60, location_warning_km: 2.5, ..wita };
    device.update_settings(wit).unwrap();
    assert_eq!(device.settings(), wit);
}
