//! The rules' view of the prelist, answered from the store.

use rusqlite::Connection;

use crate::{rules::PrelistLookup, store::prelist};

/// Prelist queries over an open connection.
pub struct StorePrelist<'c>(pub &'c Connection);

impl PrelistLookup for StorePrelist<'_> {
    fn households_with_nik(&self, nik: &str) -> Vec<String> {
        let query =
            "SELECT DISTINCT h.id_dtks FROM members m JOIN households h ON h.id = m.household_id
                     WHERE m.nik = ?1 ORDER BY h.id_dtks";
        let found = self.0.prepare_cached(query).and_then(|mut stmt| {
            stmt.query_map([nik], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()
        });
        found.unwrap_or_else(|error| {
            tracing::warn!(%error, "prelist NIK lookup failed");
            Vec::new()
        })
    }

    fn household_members(&self, id_dtks: &str) -> Option<Vec<(String, String)>> {
        let household = prelist::household(self.0, id_dtks).ok().flatten()?;
        Some(household.members.into_iter().map(|m| (m.nik.unwrap_or_default(), m.name)).collect())
    }
}
