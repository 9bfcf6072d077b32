//! The house's GPS point against where the registry last placed it. A point kilometres away
//! usually means the wrong house, a fix taken elsewhere, or a prelist error: worth a reason
//! while the enumerator is still there. No desa-level positions exist in our region data, so
//! only the prelist's point is compared (where it has one).

use super::{Finding, Household, Settings, Severity, facts::text};
use verivali_form::geo::Geopoint;

pub(super) fn far_from_known(household: &Household, settings: &Settings) -> Vec<Finding> {
    let (Some(answer), Some(field)) = (text(&household.location), &household.location) else {
        return Vec::new();
    };
    let known = household.known_location.as_deref().and_then(|k| Geopoint::parse(k).ok());
    let (Ok(point), Some(known)) = (Geopoint::parse(answer), known) else {
        return Vec::new();
    };
    let distance = point.distance_m(&known);
    if distance <= settings.far_from_known_m {
        return Vec::new();
    }
    let (km, limit) = (distance / 1000.0, settings.far_from_known_m / 1000.0);
    vec![
        Finding::new(
            "location.far_from_prelist",
            Severity::Warning,
            &format!(
                "Titik lokasi {km:.1} km dari titik rumah di prelist (batas {limit:.1} km): \
                 pastikan rumah yang dikunjungi benar dan GPS sudah tepat."
            ),
            &format!(
                "The location is {km:.1} km from the house's point in the prelist (limit \
                 {limit:.1} km): make sure this is the right house and the fix is good."
            ),
        )
        .at(&field.reference),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Field;

    fn household(answer: Option<&str>, known: Option<&str>) -> Household {
        Household {
            location: answer.map(|a| Field::new(a, "/data/bukti/lokasi_rumah")),
            known_location: known.map(str::to_owned),
            ..Household::default()
        }
    }

    #[test]
    fn a_point_kilometres_from_the_prelists_warns_at_the_location_question() {
        // 0.1° of latitude is about 11 km.
        let found = far_from_known(
            &household(Some("-8.4833 116.1167 10.0 4.0"), Some("-8.5833 116.1167")),
            &Settings::default(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "location.far_from_prelist");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].reference.as_deref(), Some("/data/bukti/lokasi_rumah"));
        assert!(found[0].message.en.contains("11.1 km"), "{}", found[0].message.en);
    }

    #[test]
    fn a_near_point_or_a_missing_position_says_nothing() {
        let near = household(Some("-8.5840 116.1170 10.0 4.0"), Some("-8.5833 116.1167"));
        assert!(far_from_known(&near, &Settings::default()).is_empty());
        assert!(
            far_from_known(&household(Some("-8.4 116.1"), None), &Settings::default()).is_empty()
        );
        assert!(
            far_from_known(&household(None, Some("-8.5 116.1")), &Settings::default()).is_empty()
        );
        let garbled = household(Some("-8.4 116.1"), Some("somewhere"));
        assert!(far_from_known(&garbled, &Settings::default()).is_empty());
    }

    #[test]
    fn the_distance_limit_is_configurable() {
        let h = household(Some("-8.5833 116.1267 0 3"), Some("-8.5833 116.1167"));
        assert!(far_from_known(&h, &Settings::default()).is_empty());
        let strict = Settings { far_from_known_m: 500.0 };
        assert_eq!(far_from_known(&h, &strict).len(), 1);
    }
}
