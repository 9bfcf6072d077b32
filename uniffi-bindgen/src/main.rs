//! The uniffi binding generator, built from the same uniffi version as the core so that
//! generated Kotlin always matches the scaffolding inside `libverivali_core`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
