//! A form's external instances read from the folder beside it (`jr://file/desa.csv` →
//! `FOLDER/desa.csv`, as ODK Collect reads its media), each file remembered so that installing
//! or publishing the form can keep its media with it.

use std::{
    path::PathBuf,
    sync::{Mutex, PoisonError},
};

use crate::form::definition::ExternalInstances;

/// Media from a folder, with the files read so far.
#[derive(Debug)]
pub struct FolderMedia {
    folder: PathBuf,
    read: Mutex<Vec<(String, Vec<u8>)>>,
}

impl FolderMedia {
    pub fn new(folder: impl Into<PathBuf>) -> FolderMedia {
        FolderMedia { folder: folder.into(), read: Mutex::default() }
    }

    /// The files the form asked for: (file name, bytes), in the order it asked.
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.read.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ExternalInstances for FolderMedia {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        let name = src.rsplit('/').next()?;
        let bytes = std::fs::read(self.folder.join(name)).ok()?;
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        read.push((name.to_owned(), bytes.clone()));
        Some(bytes)
    }
}
