package id.verivali.app

import android.app.Activity
import android.content.ClipboardManager
import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.text.InputType
import android.widget.CheckBox
import android.widget.EditText
import id.verivali.shell.Provisioning
import id.verivali.shell.Returns
import id.verivali.shell.Word

/**
 * Settings by hand or by pasting the setup line; the role (a pengawas's phone, or a pencacah's);
 * a PIN; then the forms come from the server.
 */
class ProvisionActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "Verivali"
        val app = VerivaliApp.of(this)
        val lang = app.language
        val column = Views.column(this)
        fun field(word: Word, type: Int = InputType.TYPE_CLASS_TEXT): EditText =
            EditText(this).apply { hint = word.text(lang); inputType = type }.also { column.addView(it) }
        val server = field(Word.SERVER, InputType.TYPE_TEXT_VARIATION_URI)
        val token = field(Word.TOKEN)
        val enumerator = field(Word.ENUMERATOR)
        val area = field(Word.AREA)
        val pin = field(Word.PIN, InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD)
        val unmetered = CheckBox(this).apply { text = "Wi-Fi" }.also { column.addView(it) }
        val pengawas = CheckBox(this).apply { text = "Pengawas" }.also { column.addView(it) }
        val status = Views.text(this, "").also { column.addView(it) }
        column.addView(
            Views.button(this, "Tempel / Paste") {
                val clip = (getSystemService(Context.CLIPBOARD_SERVICE) as ClipboardManager).primaryClip
                val line = clip?.getItemAt(0)?.text?.toString() ?: return@button
                val fields = Provisioning.parseSetupLine(line)
                when (val role = Provisioning.role(fields)) {
                    // A role this app does not know refuses the whole line: none of it is filled in.
                    is Provisioning.Role.Invalid -> status.text = role.message
                    is Provisioning.Role.Ok -> {
                        status.text = ""
                        fields["server"]?.let { server.setText(it) }
                        fields["token"]?.let { token.setText(it) }
                        fields["enumerator"]?.let { enumerator.setText(it) }
                        fields["area"]?.let { area.setText(it) }
                        pengawas.isChecked = role.pengawas
                    }
                }
            },
        )
        column.addView(
            Views.button(this, Word.SAVE.text(lang)) {
                val result = Provisioning.validate(
                    server.text.toString(), token.text.toString(), enumerator.text.toString(),
                    area.text.toString(), unmetered.isChecked, pengawas.isChecked,
                )
                val pinProblem = Provisioning.pinProblem(pin.text.toString())
                when {
                    result is Provisioning.Result.Invalid -> status.text = result.message
                    pinProblem != null -> status.text = pinProblem
                    result is Provisioning.Result.Ok -> {
                        app.saveSettings(result.settings, Provisioning.hashPin(pin.text.toString()))
                        app.executor.run({ app.core.syncDown(result.settings.serverUrl, result.settings.token, null) }) {
                            it.onFailure { e -> status.text = e.message }
                            it.onSuccess { synced ->
                                // A sync applies returns too (a phone set up again, say).
                                Notifications.returned(this, Returns.notification(synced.returned))
                                startActivity(Intent(this, HouseholdListActivity::class.java))
                                finish()
                            }
                        }
                    }
                }
            },
        )
        setContentView(column)
    }
}
