package id.verivali.app

import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.os.Bundle
import android.text.InputType
import android.widget.EditText
import android.widget.ArrayAdapter
import android.widget.ListView
import id.verivali.shell.Sharing
import id.verivali.shell.UploadPolicy
import id.verivali.shell.Word
import id.verivali.shell.bilingual

/** What waits to be sent and why; "send now". */
class OutboxActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = VerivaliApp.of(this)
        val lang = app.language
        val column = Views.column(this)
        val list = ListView(this)
        val adapter = ArrayAdapter<String>(this, android.R.layout.simple_list_item_1, ArrayList())
        list.adapter = adapter
        fun refresh() {
            app.executor.run({ app.core.outboxStatus() }) { result ->
                adapter.clear()
                adapter.addAll(result.getOrDefault(emptyList()).map { UploadPolicy.outboxLine(it, lang) })
            }
        }
        column.addView(
            Views.button(this, Word.SEND_NOW.text(lang)) {
                app.executor.run({ app.core.sendNow() }) {
                    UploadScheduler.schedule(this)
                    refresh()
                }
            },
        )
        column.addView(Views.button(this, Word.SHARE_BUNDLE.text(lang)) { shareBundle() })
        column.addView(list)
        setContentView(column)
        refresh()
        title = Word.OUTBOX.text(lang)
    }

    /** Writes the waiting interviews into a bundle with a passphrase, then opens the share sheet. */
    private fun shareBundle() {
        val app = VerivaliApp.of(this)
        val input = EditText(this).apply {
            hint = Word.PASSPHRASE.text(app.language)
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
        }
        AlertDialog.Builder(this)
            .setTitle(Word.SHARE_BUNDLE.text(app.language))
            .setView(input)
            .setPositiveButton("OK") { _, _ ->
                val dir = PhotoProvider.bundleDirectory(this).absolutePath
                app.executor.run({ app.core.exportBundle(dir, input.text.toString()) }) { result ->
                    result.onFailure { e ->
                        AlertDialog.Builder(this).setMessage(bilingual(e.message ?: "", app.language)).show()
                    }
                    result.onSuccess { info ->
                        val spec = Sharing.bundle(info, app.language)
                        val send = Intent(spec.action)
                            .setType(spec.mimeType)
                            .putExtra(Intent.EXTRA_STREAM, PhotoProvider.bundleUri(spec.fileName))
                            .putExtra(Intent.EXTRA_SUBJECT, spec.subject)
                            .putExtra(Intent.EXTRA_TEXT, spec.text)
                            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
                        startActivity(Intent.createChooser(send, spec.subject))
                    }
                }
            }
            .show()
    }
}
