//! The rules' view of the prelist, answered from the store.

use rusqlite::Connection;

use crate::{
    rules::{LookupFailed, PrelistLookup},
    store::prelist,
};

/// Prelist queries over an open connection.
pub struct StorePrelist<'c>(pub &'c Connection);

impl PrelistLookup for StorePrelist<'_> {
    fn households_with_nik(&self, nik: &str) -> Result<Vec<String>, LookupFailed> {
        let query =
            "SELECT DISTINCT h.id_dtks FROM members m JOIN households h ON h.id = m.household_id
                     WHERE m.nik = ?1 ORDER BY h.id_dtks";
        let found = self.0.prepare_cached(query).and_then(|mut stmt| {
            stmt.query_map([nik], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()
        });
        found.map_err(|error| {
            // SQLite's text names the query, never the bound NIK.
            tracing::error!(%error, "prelist NIK lookup failed");
            LookupFailed
        })
    }

    fn household_members(
        &self,
        id_dtks: &str,
    ) -> Result<Option<Vec<(String, String)>>, LookupFailed> {
        let household = prelist::household(self.0, id_dtks).map_err(|error| {
            tracing::error!(%error, "prelist household lookup failed");
            LookupFailed
        })?;
        Ok(household
            .map(|h| h.members.into_iter().map(|m| (m.nik.unwrap_or_default(), m.name)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_error_during_a_rule_lookup_is_an_error_not_an_empty_prelist() {
        // A connection without the prelist tables: every query fails as a damaged store would.
        let conn = Connection::open_in_memory().unwrap();
        let prelist = StorePrelist(&conn);
        assert_eq!(prelist.households_with_nik("5271010711026972"), Err(LookupFailed));
        assert_eq!(prelist.household_members("5271011009000001"), Err(LookupFailed));
    }
}
