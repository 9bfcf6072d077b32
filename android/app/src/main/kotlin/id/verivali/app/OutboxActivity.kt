package id.verivali.app

import android.app.Activity
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.ListView
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
                adapter.addAll(
                    result.getOrDefault(emptyList()).map { entry ->
                        entry.interviewId + " · " + entry.state.name.lowercase() +
                            (entry.reason?.let { "\n" + bilingual(it, lang) } ?: "")
                    },
                )
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
        column.addView(list)
        setContentView(column)
        refresh()
        title = Word.OUTBOX.text(lang)
    }
}
