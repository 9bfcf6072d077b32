//! A form's external instances read from the store when the engine asks for them, one file
//! at a time: a form's media can be large (photos, audio, entity lists), and only the CSV and
//! XML files it loads as instances are ever needed whole.

use crate::{
    form::definition::ExternalInstances,
    store::{Store, forms},
};

/// The installed media of form row `row`.
pub struct StoreMedia<'s> {
    pub store: &'s Store,
    pub row: i64,
}

impl ExternalInstances for StoreMedia<'_> {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        let name = src.rsplit('/').next()?;
        match self.store.read(|c| forms::media_bytes(c, self.row, name)) {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(%error, "a form media file could not be read");
                None
            }
        }
    }
}
