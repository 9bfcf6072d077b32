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
        val (subject, text) = if (language == UiLanguage.EN) {
            "Verivali bundle: ${info.submissions} interviews" to
                "${info.submissions} interviews, ${info.attachments} photos, $kb KB. The passphrase is shared separately."
        } else {
            "Bundel Verivali: ${info.submissions} wawancara" to
                "${info.submissions} wawancara, ${info.attachments} foto, $kb KB. Frasa sandi dikirim terpisah."
        }
        return ShareSpec(ACTION_SEND, BUNDLE_MIME, name, subject, text)
    }
}
