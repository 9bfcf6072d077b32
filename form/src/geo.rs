//! GPS fixes: a point with its accuracy, checked for range and judged against the form's
//! accuracy rule. ODK's parameters mean: `capture-accuracy` (`accuracyThreshold`) is the
//! accuracy at which a fix is good enough to take at once, `warning-accuracy`
//! (`unacceptableAccuracyThreshold`) the accuracy beyond which a fix is unacceptable. ODK
//! Collect only warns beyond the second; Verivali refuses such a fix (ADR 0012).

use crate::xpath::java_double_to_string;

/// ODK Collect's defaults when the form does not say.
pub const DEFAULT_CAPTURE_ACCURACY_M: f64 = 5.0;
pub const DEFAULT_WARNING_ACCURACY_M: f64 = 100.0;

/// A point on Earth as a phone reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geopoint {
    /// Degrees, −90 to 90.
    pub latitude: f64,
    /// Degrees, −180 to 180.
    pub longitude: f64,
    /// Metres above the ellipsoid; 0 when unknown.
    pub altitude: f64,
    /// The radius in metres within which the true position lies (68 %).
    pub accuracy: f64,
}

/// Why a point is not a point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeopointError {
    #[error(
        "Titik harus berisi 'lintang bujur [tinggi [akurasi]]'. / \
         A point must read 'latitude longitude [altitude [accuracy]]'."
    )]
    Malformed,
    #[error("Lintang {0} di luar −90…90. / Latitude {0} is outside −90…90.")]
    Latitude(f64),
    #[error("Bujur {0} di luar −180…180. / Longitude {0} is outside −180…180.")]
    Longitude(f64),
    #[error("Tinggi {0} bukan angka yang sah. / Altitude {0} is not a valid number.")]
    Altitude(f64),
    #[error("Akurasi {0} m tidak sah (harus ≥ 0). / Accuracy {0} m is invalid (must be ≥ 0).")]
    Accuracy(f64),
}

impl Geopoint {
    /// A point checked for range.
    pub fn new(
        latitude: f64,
        longitude: f64,
        altitude: f64,
        accuracy: f64,
    ) -> Result<Geopoint, GeopointError> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(GeopointError::Latitude(latitude));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(GeopointError::Longitude(longitude));
        }
        if !altitude.is_finite() {
            return Err(GeopointError::Altitude(altitude));
        }
        if !(accuracy.is_finite() && accuracy >= 0.0) {
            return Err(GeopointError::Accuracy(accuracy));
        }
        Ok(Geopoint { latitude, longitude, altitude, accuracy })
    }

    /// Reads an answer as ODK writes it: `lat lon [alt [accuracy]]`. A missing accuracy reads
    /// as 0 (a point typed in, not measured).
    pub fn parse(text: &str) -> Result<Geopoint, GeopointError> {
        let parts: Vec<f64> = text
            .split_whitespace()
            .map(|p| p.parse::<f64>().map_err(|_| GeopointError::Malformed))
            .collect::<Result<_, _>>()?;
        match parts[..] {
            [lat, lon] => Geopoint::new(lat, lon, 0.0, 0.0),
            [lat, lon, alt] => Geopoint::new(lat, lon, alt, 0.0),
            [lat, lon, alt, acc] => Geopoint::new(lat, lon, alt, acc),
            _ => Err(GeopointError::Malformed),
        }
    }

    /// The answer as JavaRosa's `GeoPointData` writes it: four Java doubles.
    pub fn to_answer(&self) -> String {
        [self.latitude, self.longitude, self.altitude, self.accuracy]
            .map(java_double_to_string)
            .join(" ")
    }

    /// The great-circle distance to `other` in metres (haversine, mean Earth radius).
    pub fn distance_m(&self, other: &Geopoint) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (other.longitude - self.longitude).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

/// How good a fix is for the question it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixQuality {
    /// Within the capture accuracy: take it.
    Good,
    /// Worse than the capture accuracy but acceptable: the shell may wait for better.
    Acceptable,
    /// Worse than the warning accuracy: refused.
    Unacceptable,
}

impl FixQuality {
    /// What the person reads about a fix of `accuracy_m` under `policy`; nothing for a good one.
    pub fn message(self, accuracy_m: f64, policy: &LocationPolicy) -> Option<String> {
        match self {
            FixQuality::Good => None,
            FixQuality::Acceptable => Some(format!(
                "Akurasi {accuracy_m:.0} m; tersimpan, tetapi menunggu sebentar dapat memberi titik \
                 yang lebih tepat (target {target:.0} m). / Accuracy {accuracy_m:.0} m; saved, but \
                 waiting a little may give a closer fix (target {target:.0} m).",
                target = policy.capture_accuracy_m,
            )),
            FixQuality::Unacceptable => Some(format!(
                "Akurasi {accuracy_m:.0} m lebih buruk dari batas {limit:.0} m; titik tidak \
                 disimpan. Pindah ke tempat terbuka dan tunggu. / Accuracy {accuracy_m:.0} m is \
                 worse than the limit of {limit:.0} m; the point was not saved. Move into the open \
                 and wait.",
                limit = policy.warning_accuracy_m,
            )),
        }
    }
}

/// A geopoint question's accuracy rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocationPolicy {
    pub capture_accuracy_m: f64,
    pub warning_accuracy_m: f64,
}

impl Default for LocationPolicy {
    fn default() -> Self {
        LocationPolicy {
            capture_accuracy_m: DEFAULT_CAPTURE_ACCURACY_M,
            warning_accuracy_m: DEFAULT_WARNING_ACCURACY_M,
        }
    }
}

impl LocationPolicy {
    /// The rule from the control's `accuracyThreshold` and `unacceptableAccuracyThreshold`;
    /// what is absent or not a positive number keeps ODK's default.
    pub fn from_parameters(capture: Option<&str>, warning: Option<&str>) -> LocationPolicy {
        let metres = |text: Option<&str>| {
            text.and_then(|t| t.trim().parse::<f64>().ok()).filter(|m| m.is_finite() && *m > 0.0)
        };
        let default = LocationPolicy::default();
        let capture_accuracy_m = metres(capture).unwrap_or(default.capture_accuracy_m);
        let warning_accuracy_m =
            metres(warning).unwrap_or(default.warning_accuracy_m).max(capture_accuracy_m);
        LocationPolicy { capture_accuracy_m, warning_accuracy_m }
    }

    pub fn judge(&self, point: &Geopoint) -> FixQuality {
        if point.accuracy <= self.capture_accuracy_m {
            FixQuality::Good
        } else if point.accuracy <= self.warning_accuracy_m {
            FixQuality::Acceptable
        } else {
            FixQuality::Unacceptable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_out_of_range_or_not_numbers_are_refused() {
        assert_eq!(Geopoint::new(91.0, 0.0, 0.0, 1.0), Err(GeopointError::Latitude(91.0)));
        assert_eq!(Geopoint::new(0.0, -180.5, 0.0, 1.0), Err(GeopointError::Longitude(-180.5)));
        assert!(matches!(Geopoint::new(0.0, 0.0, f64::NAN, 1.0), Err(GeopointError::Altitude(_))));
        assert_eq!(Geopoint::new(0.0, 0.0, 0.0, -1.0), Err(GeopointError::Accuracy(-1.0)));
        assert!(matches!(
            Geopoint::new(0.0, 0.0, 0.0, f64::INFINITY),
            Err(GeopointError::Accuracy(_))
        ));
        assert_eq!(Geopoint::parse("-6.9 abc"), Err(GeopointError::Malformed));
        assert_eq!(Geopoint::parse("1 2 3 4 5"), Err(GeopointError::Malformed));
        assert_eq!(Geopoint::parse(""), Err(GeopointError::Malformed));
    }

    #[test]
    fn answers_are_written_as_javarosa_writes_them_and_read_back() {
        let point = Geopoint::new(-8.5833, 116.1167, 12.0, 4.5).unwrap();
        assert_eq!(point.to_answer(), "-8.5833 116.1167 12.0 4.5");
        assert_eq!(Geopoint::parse(&point.to_answer()), Ok(point));
        assert_eq!(Geopoint::parse("-8.5 116.1").unwrap().accuracy, 0.0);
    }

    #[test]
    fn distances_match_known_city_pairs() {
        // Mataram to Jakarta (Monas) is about 1,000 km; one degree of latitude about 111 km.
        let mataram = Geopoint::new(-8.5833, 116.1167, 0.0, 0.0).unwrap();
        let monas = Geopoint::new(-6.1754, 106.8272, 0.0, 0.0).unwrap();
        let km = mataram.distance_m(&monas) / 1000.0;
        assert!((1_040.0..1_080.0).contains(&km), "{km}");
        let north = Geopoint::new(-7.5833, 116.1167, 0.0, 0.0).unwrap();
        assert!((mataram.distance_m(&north) - 111_195.0).abs() < 100.0);
        assert_eq!(mataram.distance_m(&mataram), 0.0);
    }

    #[test]
    fn fixes_are_judged_by_the_forms_thresholds_or_odks_defaults() {
        let at = |acc| Geopoint::new(-8.58, 116.11, 0.0, acc).unwrap();
        let default = LocationPolicy::from_parameters(None, Some("not a number"));
        assert_eq!(default, LocationPolicy::default());
        assert_eq!(default.judge(&at(5.0)), FixQuality::Good);
        assert_eq!(default.judge(&at(5.1)), FixQuality::Acceptable);
        assert_eq!(default.judge(&at(100.1)), FixQuality::Unacceptable);
        let form = LocationPolicy::from_parameters(Some("10"), Some("25"));
        assert_eq!(form.judge(&at(9.0)), FixQuality::Good);
        assert_eq!(form.judge(&at(25.0)), FixQuality::Acceptable);
        assert_eq!(form.judge(&at(26.0)), FixQuality::Unacceptable);
        // A warning threshold below the capture threshold is raised to it.
        assert_eq!(
            LocationPolicy::from_parameters(Some("30"), Some("20")).warning_accuracy_m,
            30.0
        );
    }
}
