//! Region names for the recap's rows, from the published forms' region lists (`desa.csv`,
//! `kecamatan.csv`, `kabupaten.csv` with `name,label` columns, as the DTKS form carries them).
//! A code without a name shows as its code.

use std::collections::HashMap;

use rusqlite::Connection;

/// Region names by code (desa, kecamatan, kabupaten, province).
#[derive(Debug, Default, Clone)]
pub struct RegionNames {
    by_code: HashMap<String, String>,
}

impl RegionNames {
    /// The names of the codes in `wanted` (and of their parents), from every published form.
    pub fn load(conn: &Connection, wanted: &[String]) -> rusqlite::Result<RegionNames> {
        let mut needed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for code in wanted {
            let mut end = code.len();
            loop {
                needed.insert(&code[..end]);
                match code[..end].rfind('.') {
                    Some(dot) => end = dot,
                    None => break,
                }
            }
        }
        let mut by_code = HashMap::new();
        let mut statement = conn.prepare(
            "SELECT bytes FROM form_media
             WHERE name IN ('desa.csv', 'kecamatan.csv', 'kabupaten.csv', 'provinsi.csv')",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let bytes: Vec<u8> = row.get(0)?;
            read_list(&bytes, &needed, &mut by_code);
        }
        Ok(RegionNames { by_code })
    }

    /// The name of `code`, or the code itself.
    pub fn name(&self, code: &str) -> String {
        self.by_code.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> RegionNames {
        RegionNames {
            by_code: pairs.iter().map(|(c, n)| ((*c).to_owned(), (*n).to_owned())).collect(),
        }
    }
}

/// Adds the `name,label` rows of one region list whose code is needed.
fn read_list(
    bytes: &[u8],
    needed: &std::collections::HashSet<&str>,
    into: &mut HashMap<String, String>,
) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Ok(headers) = reader.headers().cloned() else { return };
    let (Some(name), Some(label)) =
        (headers.iter().position(|h| h == "name"), headers.iter().position(|h| h == "label"))
    else {
        return;
    };
    for record in reader.records().flatten() {
        if let (Some(code), Some(text)) = (record.get(name), record.get(label))
            && needed.contains(code)
        {
            into.insert(code.to_owned(), text.to_owned());
        }
    }
}
