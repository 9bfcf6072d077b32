package id.verivali.shell

import id.verivali.core.FindingSeverity
import id.verivali.core.RuleFinding

/** The language the shell's own words are shown in: the device's, Bahasa Indonesia unless English. */
enum class UiLanguage {
    ID,
    EN;

    companion object {
        /** From a BCP 47 tag such as `in-ID`, `id`, `en-US`. */
        fun fromTag(tag: String): UiLanguage = if (tag.lowercase().startsWith("en")) EN else ID
    }

    /** The form's itext language to ask the core for, among `languages`. */
    fun formLanguage(languages: List<String>): String? = when (this) {
        EN -> languages.firstOrNull { it.startsWith("English") }
        ID -> languages.firstOrNull { it.startsWith("Bahasa") || it.contains("(id)") }
    } ?: languages.firstOrNull()
}

/** The shell's words, in both languages. */
enum class Word(val id: String, val en: String) {
    NEXT("Lanjut", "Next"),
    BACK("Kembali", "Back"),
    SECTIONS("Bagian", "Sections"),
    ADD_MEMBER("Tambah anggota", "Add member"),
    REMOVE_MEMBER("Hapus anggota ini", "Remove this member"),
    FINALIZE("Final", "Finalize"),
    TAKE_PHOTO("Ambil foto", "Take photo"),
    GET_LOCATION("Ambil lokasi", "Get location"),
    REASON("Alasan", "Reason"),
    GO_ON_WITH_REASON("Lanjutkan dengan alasan", "Go on with a reason"),
    SEND_NOW("Kirim sekarang", "Send now"),
    SEARCH("Cari nama, NIK, atau ID DTKS", "Search name, NIK or ID DTKS"),
    SEARCH_CHOICE("Ketik untuk mencari pilihan", "Type to search the choices"),
    NEW_HOUSEHOLD("Rumah tangga baru", "New household"),
    SAVE("Simpan", "Save"),
    SERVER("Alamat server", "Server URL"),
    TOKEN("Token perangkat", "Device token"),
    ENUMERATOR("Nama pencacah", "Enumerator's name"),
    AREA("Kode wilayah tugas", "Area codes"),
    PIN("PIN (4–8 angka)", "PIN (4–8 digits)"),
    UPLOADING("Mengirim wawancara", "Sending interviews"),
    OUTBOX("Kotak keluar", "Outbox"),
    SHARE_BUNDLE("Bagikan bundel tanpa jaringan", "Share a bundle without network"),
    PASSPHRASE("Frasa sandi bundel (min. 8)", "Bundle passphrase (8 or more)");

    fun text(language: UiLanguage): String = if (language == UiLanguage.EN) en else id
}

/** How a finding reads inline: its mark, its text in the UI language, and a suggestion. */
data class InlineMessage(val level: Level, val text: String) {
    enum class Level { ERROR, WARNING, INFO }
}

fun RuleFinding.inline(language: UiLanguage): InlineMessage {
    val level = when (severity) {
        FindingSeverity.ERROR -> InlineMessage.Level.ERROR
        FindingSeverity.WARNING -> InlineMessage.Level.WARNING
        FindingSeverity.INFO -> InlineMessage.Level.INFO
    }
    val text = if (language == UiLanguage.EN) messageEn else messageId
    val hint = suggestion?.let { if (language == UiLanguage.EN) " (suggested: $it)" else " (saran: $it)" } ?: ""
    return InlineMessage(level, text + hint)
}

/** A bilingual core message (`Indonesian / English`) in the UI language. */
fun bilingual(message: String, language: UiLanguage): String {
    val parts = message.split(" / ", limit = 2)
    return if (parts.size == 2 && language == UiLanguage.EN) parts[1] else parts[0]
}
