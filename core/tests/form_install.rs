//! Installing a form that is installed already is a lookup (issue 21): the same XML with the same
//! external files gives the same row without a parse; a changed file under the same version is
//! still refused, as before.

use verivali_core::api::Verivali;

fn dtks_folder(into: &std::path::Path) -> std::path::PathBuf {
    let source = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-fixtures/forms/dtks-verivali");
    let folder = into.join("dtks");
    std::fs::create_dir_all(&folder).unwrap();
    for name in ["form.xml", "provinsi.csv", "kabupaten.csv", "kecamatan.csv", "desa.csv"] {
        std::fs::copy(source.join(name), folder.join(name)).unwrap();
    }
    folder
}

#[test]
fn the_same_form_again_is_the_same_row_and_a_changed_file_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dtks_folder(dir.path());
    let form = folder.join("form.xml").display().to_string();
    let phone =
        Verivali::open(dir.path().join("phone").display().to_string(), vec![3; 32], None).unwrap();
    let first = phone.install_form(form.clone()).unwrap();
    let again = phone.install_form(form.clone()).unwrap();
    assert_eq!(again, first);
    assert_eq!(phone.forms().unwrap().len(), 1);
    // Reopened (a new process on the phone): still a lookup, still the same form.
    drop(phone);
    let phone =
        Verivali::open(dir.path().join("phone").display().to_string(), vec![3; 32], None).unwrap();
    assert_eq!(phone.install_form(form.clone()).unwrap(), first);
    assert!(phone.start_interview(first.form_id.clone(), None).is_ok(), "the looked-up form opens");

    let mut desa = std::fs::read_to_string(folder.join("desa.csv")).unwrap();
    desa.push_str("99.99.99.9999,Desa Tambahan,99.99.99\n");
    std::fs::write(folder.join("desa.csv"), desa).unwrap();
    let changed = phone.install_form(form);
    assert!(changed.is_err(), "other content under the same version is refused: {changed:?}");
}
