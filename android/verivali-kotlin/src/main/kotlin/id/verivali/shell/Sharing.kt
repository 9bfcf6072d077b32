package id.verivali.shell

import id.verivali.core.BundleInfo

/**
 * The share-sheet intent for a bundle, as plain values the Activity copies into an `Intent`
 * (ACTION_SEND with the file behind the app's own content provider).
 */
data class ShareSpec(
    val action: String,
    val mimeType: String,
    /** The file's name under the provider's `bundles/` path. */
    val fileName: String,
    val subject: String,
    val text: String,
)

object Sharing {
    const val ACTION_SEND = "android.intent.action.SEND"
    const val BUNDLE_MIME = "application/octet-stream"

    fun bundle(info: BundleInfo, language: UiLanguage): ShareSpec {
        val name = info.path.substringAfterLast('/')
        val kb = (info.bytes + 1023u) / 1024u
        // A pengawas's bundle carries decisions (returns, approvals); an enumerator's, none.
        val (subject, text) = if (language == UiLanguage.EN) {
            val decisions = if (info.decisions > 0u) ", ${info.decisions} pengawas decisions" else ""
            "Verivali bundle: ${info.submissions} interviews$decisions" to
                "${info.submissions} interviews, ${info.attachments} photos$decisions, $kb KB. The passphrase is shared separately."
        } else {
            val decisions = if (info.decisions > 0u) ", ${info.decisions} keputusan pengawas" else ""
            "Bundel Verivali: ${info.submissions} wawancara$decisions" to
                "${info.submissions} wawancara, ${info.attachments} foto$decisions, $kb KB. Frasa sandi dikirim terpisah."
        }
        return ShareSpec(ACTION_SEND, BUNDLE_MIME, name, subject, text)
    }
}
