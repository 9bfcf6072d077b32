package id.verivali.app

import android.app.Activity
import android.app.AlertDialog
import android.content.Context
import android.text.InputType
import android.widget.EditText
import id.verivali.shell.Word

/** The PIN chosen at provisioning, asked while the process is locked (see [id.verivali.shell.ScreenLock]). */
object PinDialog {
    /**
     * Asks whenever a screen that needs it is made while locked (a rotation included), never
     * again once unlocked; a wrong PIN asks again. [then] runs once unlocked, at once when
     * nothing is asked.
     */
    fun ask(activity: Activity, then: () -> Unit = {}) {
        val app = VerivaliApp.of(activity)
        val stored = activity.getSharedPreferences(VerivaliApp.PREFS, Context.MODE_PRIVATE).getString("pin", null)
        if (stored == null || !app.lock.mustAsk(stored)) return then()
        val input = EditText(activity).apply {
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
        }
        AlertDialog.Builder(activity)
            .setTitle(Word.PIN.text(app.language))
            .setView(input)
            .setCancelable(false)
            .setPositiveButton("OK") { _, _ ->
                if (app.lock.tryUnlock(input.text.toString(), stored)) then() else ask(activity, then)
            }
            .show()
    }
}
