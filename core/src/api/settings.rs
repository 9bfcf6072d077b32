//! The device's settings, in one record: given at `open`, changed with one call, validated.
//!
//! They used to be three setters that each took their own lock and silently ignored a bad
//! value. A record makes the whole configuration visible at once, and a refused value now says
//! which field and why instead of leaving the old one in place unnoticed.

use super::{ApiResult, Verivali, VerivaliError, interview::lock};

/// What the shell tells the core about the device and the office's choices.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Settings {
    /// The device's offset from UTC in minutes, for today's date in the rules and the form's
    /// `now()`: WIB +420, WITA +480, WIT +540.
    #[uniffi(default = 420)]
    pub utc_offset_minutes: i32,
    /// How far (km) the house's GPS point may be from the prelist's point before a warning.
    #[uniffi(default = 5.0)]
    pub location_warning_km: f64,
    /// Days photos stay on the phone after the server acknowledged their interview; 0 purges
    /// them at the next upload.
    #[uniffi(default = 14)]
    pub photo_retention_days: u32,
    /// On a pengawas's phone: the share (percent) of the team's households drawn for a
    /// back-check (ADR 0024); 0 draws none (the pengawas still picks).
    #[uniffi(default = 5)]
    pub backcheck_percent: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            utc_offset_minutes: 7 * 60,
            location_warning_km: 5.0,
            photo_retention_days: 14,
            backcheck_percent: 5,
        }
    }
}

/// The widest offsets in use on Earth: UTC−12:00 to UTC+14:00.
const UTC_OFFSETS: std::ops::RangeInclusive<i32> = -12 * 60..=14 * 60;
/// From 50 m (less is GPS noise) to 1,000 km (more is no check at all).
const WARNING_KM: std::ops::RangeInclusive<f64> = 0.05..=1_000.0;
/// Ten years.
const MAX_RETENTION_DAYS: u32 = 3_650;

impl Settings {
    /// The first value out of bounds, named in both languages.
    pub(super) fn validate(&self) -> ApiResult<()> {
        let refuse = |reason: String| Err(VerivaliError::InvalidInput { reason });
        if !UTC_OFFSETS.contains(&self.utc_offset_minutes) || self.utc_offset_minutes % 15 != 0 {
            return refuse(format!(
                "utc_offset_minutes {} harus kelipatan 15 antara -720 dan 840 / must be a \
                 multiple of 15 between -720 and 840",
                self.utc_offset_minutes
            ));
        }
        if !WARNING_KM.contains(&self.location_warning_km) {
            return refuse(format!(
                "location_warning_km {} harus antara 0,05 dan 1000 / must be between 0.05 and 1000",
                self.location_warning_km
            ));
        }
        if self.backcheck_percent > 100 {
            return refuse(format!(
                "backcheck_percent {} paling banyak 100 / is at most 100",
                self.backcheck_percent
            ));
        }
        if self.photo_retention_days > MAX_RETENTION_DAYS {
            return refuse(format!(
                "photo_retention_days {} paling banyak {MAX_RETENTION_DAYS} / is at most \
                 {MAX_RETENTION_DAYS}",
                self.photo_retention_days
            ));
        }
        Ok(())
    }

    /// The rules' thresholds these settings imply.
    pub(super) fn rules(&self) -> crate::rules::Settings {
        crate::rules::Settings { far_from_known_m: self.location_warning_km * 1000.0 }
    }
}

#[uniffi::export]
impl Verivali {
    /// The settings in force.
    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    /// Replaces the settings, or refuses them whole (naming the first bad field) and keeps the
    /// old ones. The time zone and the location threshold apply to interviews opened from now
    /// on; the retention to the next purge.
    pub fn update_settings(&self, settings: Settings) -> ApiResult<()> {
        settings.validate()?;
        *lock(&self.settings) = settings;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = Settings::default();
        change(&mut settings);
        settings
    }

    #[test]
    fn the_defaults_and_the_three_indonesian_time_zones_are_accepted() {
        assert!(Settings::default().validate().is_ok());
        for offset in [420, 480, 540] {
            assert!(with(|s| s.utc_offset_minutes = offset).validate().is_ok());
        }
        assert!(with(|s| s.photo_retention_days = 0).validate().is_ok(), "0 purges at once");
    }

    #[test]
    fn each_bad_value_is_refused_with_its_field_named() {
        let cases = [
            (with(|s| s.utc_offset_minutes = 2_000), "utc_offset_minutes"),
            (with(|s| s.utc_offset_minutes = 421), "utc_offset_minutes"),
            (with(|s| s.location_warning_km = f64::NAN), "location_warning_km"),
            (with(|s| s.location_warning_km = -1.0), "location_warning_km"),
            (with(|s| s.location_warning_km = f64::INFINITY), "location_warning_km"),
            (with(|s| s.photo_retention_days = 100_000), "photo_retention_days"),
        ];
        for (settings, field) in cases {
            match settings.validate() {
                Err(VerivaliError::InvalidInput { reason }) => {
                    assert!(reason.contains(field), "{reason}")
                }
                other => panic!("{settings:?} gave {other:?}"),
            }
        }
    }
}
