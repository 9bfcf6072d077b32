package id.verivali.app

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.ListView
import id.verivali.shell.UploadPolicy
import id.verivali.shell.Word

/** What waits to be sent and why; "send now", or share it as a bundle ([BundleActivity.share]). */
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
        column.addView(
            Views.button(this, Word.SHARE_BUNDLE.text(lang)) {
                BundleActivity.share(this, Word.SHARE_BUNDLE.text(lang), Word.PASSPHRASE.text(lang))
            },
        )
        column.addView(list)
        setContentView(column)
        refresh()
        title = Word.OUTBOX.text(lang)
    }
}
