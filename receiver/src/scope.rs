//! Area scoping by household (docs/adr/0020-area-scoping-by-household.md): whether a device may
//! submit what it sent. The household decides, not only the desa the client wrote: an ID DTKS
//! must be in the receiver's prelist and in the device's area; a new household (no ID DTKS) must
//! name a desa of the device's area. Both fields are read at exactly the paths the published
//! form tags, under the form's own root; missing, repeated or malformed is a refusal that says
//! which. Pure: the prelist is asked through a closure.

use verivali_form::dom::{Document, NodeId};

use crate::store::{Device, Published};

/// What a submission passed with: its desa and, for a prelist household, its ID DTKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InScope {
    pub desa: Option<String>,
    pub household: Option<String>,
}

/// Why a submission is outside what its device may send: the HTTP status and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutOfScope {
    pub status: u16,
    pub message: String,
}

fn refuse(status: u16, message: String) -> OutOfScope {
    OutOfScope { status, message }
}

/// Checks `instance` (of `form`) against `device`'s area; `prelist_desa` gives the desa of a
/// prelist household by its ID DTKS.
pub(crate) fn check(
    instance: &Document,
    form: &Published,
    device: &Device,
    encrypted: bool,
    prelist_desa: impl Fn(&str) -> Option<String>,
) -> Result<InScope, OutOfScope> {
    let (Some(id_path), Some(desa_path)) = (&form.id_dtks_path, &form.desa_path) else {
        return untagged(
            device,
            "Formulir ini tidak menandai rumah tangga dan desanya / This form does not tag its household and desa",
        );
    };
    if encrypted {
        return untagged(
            device,
            "Kiriman terenkripsi tidak dapat diperiksa wilayahnya / An encrypted submission's area cannot be checked",
        );
    }
    let root = &*instance.get(instance.root()).name;
    if !form.root.is_empty() && root != form.root {
        return Err(refuse(
            400,
            format!(
                "Akar kiriman <{root}> bukan akar formulir <{}> / The submission's root <{root}> is not the form's root <{}>",
                form.root, form.root
            ),
        ));
    }
    let desa = single_value(instance, desa_path, "desa")?;
    let Some(desa) = desa.filter(|d| !d.is_empty()) else {
        return Err(refuse(
            400,
            format!("Desa kosong di {desa_path} / The desa at {desa_path} is empty"),
        ));
    };
    if !is_desa_code(&desa) {
        return Err(refuse(
            400,
            format!(
                "Isi {desa_path} bukan satu kode desa (PP.KK.CC.DDDD) / The value at {desa_path} is not one desa code (PP.KK.CC.DDDD)"
            ),
        ));
    }
    let desa = dotted(&desa);
    if !device.covers(&desa) {
        return Err(refuse(
            403,
            format!(
                "Desa {desa} di luar wilayah tugas perangkat ini / Desa {desa} is outside this device's area"
            ),
        ));
    }
    let household = single_value(instance, id_path, "ID DTKS")?.filter(|id| !id.is_empty());
    if let Some(id) = &household {
        match prelist_desa(id) {
            None => {
                return Err(refuse(
                    403,
                    format!(
                        "ID DTKS di {id_path} tidak ada dalam prelist server ini; rumah tangga baru dikirim tanpa ID DTKS / \
                         The ID DTKS at {id_path} is not in this server's prelist; a new household is sent without one"
                    ),
                ));
            }
            Some(home) if !device.covers(&home) => {
                return Err(refuse(
                    403,
                    format!(
                        "Rumah tangga ini milik desa {home}, di luar wilayah tugas perangkat ini / \
                         This household belongs to desa {home}, outside this device's area"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(InScope { desa: Some(desa), household })
}

fn untagged(device: &Device, why: &str) -> Result<InScope, OutOfScope> {
    if device.allow_untagged_forms {
        Ok(InScope { desa: None, household: None })
    } else {
        Err(refuse(
            403,
            format!(
                "{why}; token perangkat ini tidak mengizinkannya / this device's token does not allow it"
            ),
        ))
    }
}

/// The trimmed text of the one node at `path`; `None` when the node is there but empty is
/// given as `Some("")`. Missing or repeated nodes are refusals naming `what` and the path.
fn single_value(instance: &Document, path: &str, what: &str) -> Result<Option<String>, OutOfScope> {
    let nodes = nodes_at(instance, path);
    match nodes.as_slice() {
        [] => Err(refuse(
            400,
            format!("Kiriman tanpa {what} di {path} / The submission has no {what} at {path}"),
        )),
        [node] => {
            let element = instance.get(*node);
            if !element.children.is_empty() {
                return Err(refuse(
                    400,
                    format!(
                        "{what} di {path} berisi elemen lain / The {what} at {path} holds other elements"
                    ),
                ));
            }
            Ok(Some(instance.string_value(*node).trim().to_owned()))
        }
        _ => Err(refuse(
            400,
            format!(
                "{what} muncul {} kali di {path}; harus sekali / The {what} appears {} times at {path}; it must appear once",
                nodes.len(),
                nodes.len()
            ),
        )),
    }
}

/// Every node at the generic path `/root/a/b` (repeats give several), the root name ignored
/// (it is checked on its own).
pub(crate) fn nodes_at(doc: &Document, path: &str) -> Vec<NodeId> {
    let mut steps = path.trim_start_matches('/').split('/');
    steps.next();
    let mut at = vec![doc.root()];
    for step in steps {
        at = at
            .iter()
            .flat_map(|&node| {
                doc.get(node).children.iter().copied().filter(|&c| &*doc.get(c).name == step)
            })
            .collect();
    }
    at
}

/// A Kemendagri desa code: `PP.KK.CC.DDDD`, or its 10 digits without dots.
pub(crate) fn is_desa_code(code: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = code.split('.').collect();
    match parts.as_slice() {
        [whole] => digits(whole, 10),
        [p, k, c, d] => digits(p, 2) && digits(k, 2) && digits(c, 2) && digits(d, 4),
        _ => false,
    }
}

/// A region code a token may name: province `PP`, kabupaten `PP.KK`, kecamatan `PP.KK.CC` or
/// desa `PP.KK.CC.DDDD` (dots optional).
pub(crate) fn is_area_code(code: &str) -> bool {
    let dotted = dotted(code);
    let widths = [2, 2, 2, 4];
    let parts: Vec<&str> = dotted.split('.').collect();
    !parts.is_empty()
        && parts.len() <= 4
        && parts
            .iter()
            .zip(widths)
            .all(|(part, width)| part.len() == width && part.bytes().all(|b| b.is_ascii_digit()))
}

/// A region code as the receiver stores it (dotted), when `code` is one (`5271` → `52.71`).
pub fn area_code(code: &str) -> Option<String> {
    is_area_code(code).then(|| dotted(code))
}

/// [`area_code`], or the refusal that names what was given.
pub(crate) fn area_code_or_refusal(code: &str) -> Result<String, crate::ServeError> {
    area_code(code).ok_or_else(|| {
        crate::ServeError::Token(format!(
            "{code:?} bukan kode wilayah (mis. 52.71) / is not a region code (e.g. 52.71)"
        ))
    })
}

/// A region code with its dots (`5271011009` → `52.71.01.1009`); dotted codes unchanged.
pub(crate) fn dotted(code: &str) -> String {
    let code = code.trim();
    if code.contains('.') || !code.bytes().all(|b| b.is_ascii_digit()) {
        return code.to_owned();
    }
    let mut out = String::new();
    for (at, width) in [(0, 2), (2, 2), (4, 2), (6, 4)] {
        if code.len() >= at + width {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&code[at..at + width]);
        }
    }
    if out.replace('.', "").len() == code.len() { out } else { code.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Published {
        Published {
            form_id: "f".into(),
            root: "data".into(),
            id_dtks_path: Some("/data/id_dtks".into()),
            desa_path: Some("/data/lokasi/desa".into()),
            status_path: None,
            location_path: None,
            binary_paths: Vec::new(),
        }
    }

    fn device() -> Device {
        Device {
            id: "d".into(),
            enumerator: "Budi".into(),
            areas: vec!["11.01".into()],
            allow_untagged_forms: false,
        }
    }

    fn prelist(id: &str) -> Option<String> {
        match id {
            "A1" => Some("11.01.01.2001".into()),
            "B1" => Some("12.02.01.2001".into()),
            _ => None,
        }
    }

    fn check_xml(xml: &str) -> Result<InScope, OutOfScope> {
        check(&Document::parse(xml).unwrap(), &form(), &device(), false, prelist)
    }

    #[test]
    fn a_household_of_the_area_and_a_new_household_of_the_area_pass() {
        let known = check_xml(
            "<data><id_dtks>A1</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi></data>",
        )
        .unwrap();
        assert_eq!(known.household.as_deref(), Some("A1"));
        let new =
            check_xml("<data><id_dtks/><lokasi><desa>1101012002</desa></lokasi></data>").unwrap();
        assert_eq!((new.household, new.desa.as_deref()), (None, Some("11.01.01.2002")));
    }

    #[test]
    fn each_way_around_the_area_is_refused_and_says_which() {
        let cases = [
            ("<data><id_dtks>A1</id_dtks></data>", 400, "no desa"),
            ("<data><id_dtks>A1</id_dtks><lokasi><desa/></lokasi></data>", 400, "empty"),
            ("<data><id_dtks>A1</id_dtks><x><desa>11.01.01.2001</desa></x></data>", 400, "no desa"),
            (
                "<other><id_dtks>A1</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi></other>",
                400,
                "root",
            ),
            (
                "<data><id_dtks>A1</id_dtks><lokasi><desa>11.01.01.200112.02.01.2001</desa></lokasi></data>",
                400,
                "not one desa code",
            ),
            (
                "<data><id_dtks>A1</id_dtks><lokasi><desa>11.01.01.2001</desa><desa>12.02.01.2001</desa></lokasi></data>",
                400,
                "2 times",
            ),
            (
                "<data><id_dtks>B1</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi></data>",
                403,
                "outside this device's area",
            ),
            (
                "<data><id_dtks>ZZ</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi></data>",
                403,
                "not in this server's prelist",
            ),
            (
                "<data><id_dtks>A1</id_dtks><id_dtks>B1</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi></data>",
                400,
                "2 times",
            ),
            ("<data><lokasi><desa>11.01.01.2001</desa></lokasi></data>", 400, "no ID DTKS"),
            (
                "<data><id_dtks/><lokasi><desa>12.02.01.2001</desa></lokasi></data>",
                403,
                "outside this device's area",
            ),
        ];
        for (xml, status, says) in cases {
            let refused = check_xml(xml).expect_err(xml);
            assert_eq!(refused.status, status, "{xml}: {}", refused.message);
            assert!(refused.message.contains(says), "{xml}: {}", refused.message);
        }
    }

    #[test]
    fn an_untagged_form_or_encrypted_submission_needs_a_token_that_allows_it() {
        let doc = Document::parse("<data/>").unwrap();
        let mut untagged = form();
        untagged.desa_path = None;
        assert_eq!(check(&doc, &untagged, &device(), false, prelist).unwrap_err().status, 403);
        assert_eq!(check(&doc, &form(), &device(), true, prelist).unwrap_err().status, 403);
        let trusted = Device { allow_untagged_forms: true, ..device() };
        assert!(check(&doc, &untagged, &trusted, false, prelist).is_ok());
        assert!(check(&doc, &form(), &trusted, true, prelist).is_ok());
    }

    #[test]
    fn area_codes_are_regions_and_dots_are_optional() {
        assert!(is_area_code("52") && is_area_code("5271") && is_area_code("52.71.01.1009"));
        assert!(
            !is_area_code("") && !is_area_code("5") && !is_area_code("52.7") && !is_area_code("x")
        );
        assert_eq!(dotted("5271011009"), "52.71.01.1009");
        assert_eq!(dotted("5271"), "52.71");
    }
}
