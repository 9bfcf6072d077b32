package id.verivali.app

import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.graphics.Typeface
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.text.InputType
import android.widget.CheckBox
import android.widget.EditText
import android.widget.ScrollView
import id.verivali.shell.InlineMessage
import id.verivali.shell.Returns
import id.verivali.shell.Sharing
import id.verivali.shell.Team
import java.io.File
import java.io.FileNotFoundException

/**
 * Bundles without any network (issue 18): this phone's key, for the other phone to trust; the
 * keys this phone trusts, and adding one; sharing this phone's bundle; importing one, received
 * through the share sheet or opened as a file (ACTION_SEND / ACTION_VIEW, the manifest's
 * filters) or picked here. On a pengawas's phone a bundle brings the team's interviews; on an
 * enumerator's, the pengawas's returns, which reopen the interviews as a return from the server
 * does. Reachable from other apps, so the PIN comes first.
 */
class BundleActivity : Activity() {
    private lateinit var app: VerivaliApp
    /** What the last import or key did, or why it was refused. */
    private val outcome by lazy { Views.column(this).apply { setPadding(0, 0, 0, 16) } }
    private val key by lazy { Views.text(this, "", 17f).apply { typeface = Typeface.MONOSPACE } }
    private val trusted by lazy { Views.column(this).apply { setPadding(0, 0, 0, 16) } }
    /** A bundle refused (an untrusted key, a wrong passphrase), offered again once a key is added. */
    private var refused: Uri? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Team.BUNDLES
        app = VerivaliApp.of(this)
        if (app.settings() == null) {
            startActivity(Intent(this, ProvisionActivity::class.java))
            finish()
            return
        }
        val problem = app.opening.problem
        if (problem != null) {
            AlertDialog.Builder(this).setMessage(problem).setCancelable(false)
                .setPositiveButton("OK") { _, _ -> finish() }.show()
            return
        }
        val column = Views.column(this)
        column.addView(outcome)
        column.addView(Views.text(this, Team.THIS_KEY, 14f))
        column.addView(key)
        column.addView(Views.text(this, Team.TRUSTED, 16f).apply { setPadding(0, 24, 0, 0) })
        column.addView(trusted)
        val typedKey = EditText(this).apply {
            hint = Team.KEY_HINT
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS or InputType.TYPE_TEXT_FLAG_MULTI_LINE
        }
        val label = EditText(this).apply { hint = Team.LABEL_HINT }
        val pengawas = CheckBox(this).apply { text = Team.PENGAWAS_KEY }
        column.addView(typedKey)
        column.addView(label)
        column.addView(pengawas)
        column.addView(Views.button(this, Team.TRUST) { trust(typedKey, label, pengawas) })
        column.addView(Views.button(this, Team.SHARE) { share(this, Team.SHARE, Team.PASSPHRASE) })
        column.addView(Views.button(this, Team.IMPORT) { pick() })
        column.addView(Views.button(this, Team.TITLE) { startActivity(Intent(this, TeamListActivity::class.java)) })
        setContentView(ScrollView(this).apply { addView(column) })
        PinDialog.ask(this) {
            refresh()
            // A bundle handed over by another app; not again when the screen is made again.
            if (savedInstanceState == null) received(intent)?.let(::importFrom)
        }
    }

    /** This phone's key, in groups to read aloud, and the keys it trusts. */
    private fun refresh() {
        app.executor.run({ app.core.signingPublicKey() to app.core.trustedSigningKeys() }) { result ->
            result.onSuccess { (own, keys) ->
                key.text = Team.keyText(own)
                trusted.removeAllViews()
                val lines = keys.map(Team::trustedLine).ifEmpty { listOf(Team.NO_TRUSTED) }
                lines.forEach { trusted.addView(Views.text(this, it, 14f)) }
            }.onFailure { e -> say(InlineMessage.Level.ERROR, Team.message(e)) }
        }
    }

    private fun trust(typedKey: EditText, label: EditText, pengawas: CheckBox) {
        val hex = Team.typedKey(typedKey.text.toString())
        val whose = label.text.toString()
        val isPengawas = pengawas.isChecked
        app.executor.run({ app.core.trustSigningKey(hex, whose, isPengawas) }) { result ->
            result.onSuccess {
                typedKey.setText("")
                label.setText("")
                pengawas.isChecked = false
                say(InlineMessage.Level.INFO, Team.trustedNow(whose))
                refresh()
                refused?.let(::importFrom)
            }.onFailure { e -> say(InlineMessage.Level.ERROR, Team.message(e)) }
        }
    }

    /** The bundle another app handed over: shared (ACTION_SEND) or opened (ACTION_VIEW). */
    private fun received(intent: Intent): Uri? = when (intent.action) {
        Intent.ACTION_SEND -> if (Build.VERSION.SDK_INT >= 33) {
            intent.getParcelableExtra(Intent.EXTRA_STREAM, Uri::class.java)
        } else {
            @Suppress("DEPRECATION")
            intent.getParcelableExtra<Uri>(Intent.EXTRA_STREAM)
        }
        Intent.ACTION_VIEW -> intent.data
        else -> null
    }

    private fun pick() {
        val intent = Intent(Intent.ACTION_GET_CONTENT).setType("*/*").addCategory(Intent.CATEGORY_OPENABLE)
        startActivityForResult(intent, PICK_BUNDLE)
    }

    @Deprecated("Framework-only app: startActivityForResult is the API level 24 way.")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode != PICK_BUNDLE || resultCode != RESULT_OK) return
        data?.data?.let(::importFrom)
    }

    /**
     * Asks the bundle's passphrase, copies the bundle into the cache (a content URI may be read
     * only while this screen holds the grant) and imports it; the summary, or the core's reason
     * to refuse it, shows on the screen. A refusal offers to try again (a mistyped passphrase),
     * and adding a key offers the refused bundle again (it was signed by a key not trusted yet).
     */
    private fun importFrom(uri: Uri) {
        val input = EditText(this).apply {
            hint = Team.PASSPHRASE
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
        }
        AlertDialog.Builder(this)
            .setTitle(Team.IMPORT)
            .setView(input)
            .setPositiveButton("OK") { _, _ ->
                val passphrase = input.text.toString()
                app.executor.run({
                    val copy = copied(uri)
                    try {
                        app.core.importBundle(copy.path, passphrase)
                    } finally {
                        copy.delete()
                    }
                }) { result ->
                    refused = if (result.isSuccess) null else uri
                    result.onSuccess { imported ->
                        say(InlineMessage.Level.INFO, Team.imported(imported))
                        Notifications.returned(this, Returns.notification(imported.reopened))
                    }.onFailure { e ->
                        val message = Team.message(e)
                        say(InlineMessage.Level.ERROR, message)
                        AlertDialog.Builder(this).setMessage(message)
                            .setPositiveButton(Team.TRY_AGAIN) { _, _ -> importFrom(uri) }
                            .setNegativeButton(Team.CLOSE, null)
                            .show()
                    }
                }
            }
            .show()
    }

    private fun copied(uri: Uri): File {
        val file = File(File(cacheDir, "incoming").apply { mkdirs() }, "bundle-${System.currentTimeMillis()}.vvbundle")
        val input = contentResolver.openInputStream(uri) ?: throw FileNotFoundException("$uri")
        input.use { from -> file.outputStream().use { from.copyTo(it) } }
        return file
    }

    private fun say(level: InlineMessage.Level, text: String) {
        outcome.removeAllViews()
        outcome.addView(Views.message(this, InlineMessage(level, text)))
    }

    companion object {
        private const val PICK_BUNDLE = 1

        /**
         * Writes this phone's bundle (its waiting interviews; a pengawas's decisions) with a
         * passphrase, then opens the share sheet with it behind the app's provider.
         */
        fun share(activity: Activity, title: String, hint: String) {
            val app = VerivaliApp.of(activity)
            val input = EditText(activity).apply {
                this.hint = hint
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
            }
            AlertDialog.Builder(activity)
                .setTitle(title)
                .setView(input)
                .setPositiveButton("OK") { _, _ ->
                    val dir = PhotoProvider.bundleDirectory(activity).absolutePath
                    app.executor.run({ app.core.exportBundle(dir, input.text.toString()) }) { result ->
                        result.onFailure { e ->
                            AlertDialog.Builder(activity).setMessage(Team.message(e)).setPositiveButton("OK", null).show()
                        }
                        result.onSuccess { info ->
                            val spec = Sharing.bundle(info, app.language)
                            val send = Intent(spec.action)
                                .setType(spec.mimeType)
                                .putExtra(Intent.EXTRA_STREAM, PhotoProvider.bundleUri(spec.fileName))
                                .putExtra(Intent.EXTRA_SUBJECT, spec.subject)
                                .putExtra(Intent.EXTRA_TEXT, spec.text)
                                .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
                            activity.startActivity(Intent.createChooser(send, spec.subject))
                        }
                    }
                }
                .show()
        }
    }
}
