package id.verivali.app

import android.app.Application
import android.content.Context
import android.os.Handler
import android.os.Looper
import android.util.Log
import id.verivali.core.Verivali
import id.verivali.shell.CoreExecutor
import id.verivali.shell.CoreLogForwarder
import id.verivali.shell.LogSink
import id.verivali.shell.StoreOpening
import id.verivali.shell.DeviceSettings
import id.verivali.shell.Enumeration
import id.verivali.shell.ScreenLock
import id.verivali.shell.UiLanguage
import java.util.Locale

/**
 * The process's one core, opened with the Keystore-wrapped key, and the device's settings. Open
 * so that a test can be two phones in turn (the team tests: an enumerator's and a pengawas's).
 */
open class VerivaliApp : Application() {
    /** The store, opened once; when it does not open, the reason and what to do (see [StoreOpening]). */
    open val opening: StoreOpening by lazy {
        StoreOpening.open(filesDir.absolutePath + "/store", DatabaseKey.load(this), language)
    }

    /** The open store; screens check [opening] first and explain a failure instead. */
    val core: Verivali
        get() = (opening as? StoreOpening.Opened)?.core ?: throw IllegalStateException("the store is not open")

    override fun onCreate() {
        super.onCreate()
        // The core's own log events (masked of long digit runs) go to Logcat.
        CoreLogForwarder.install(LogSink { priority, tag, message -> Log.println(priority, tag, message) })
    }
    val executor: CoreExecutor by lazy {
        val main = Handler(Looper.getMainLooper())
        CoreExecutor { runnable -> main.post(runnable) }
    }
    val language: UiLanguage get() = UiLanguage.fromTag(Locale.getDefault().toLanguageTag())

    /** Locked until the PIN is given, for the process's life (see [ScreenLock]). */
    val lock = ScreenLock()
    val enumeration: Enumeration get() = Enumeration(core, language)

    fun settings(): DeviceSettings? {
        val prefs = getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        val server = prefs.getString("server", null) ?: return null
        return DeviceSettings(
            server,
            prefs.getString("token", "") ?: "",
            prefs.getString("enumerator", "") ?: "",
            (prefs.getString("areas", "") ?: "").split(',').filter { it.isNotEmpty() },
            prefs.getBoolean("unmetered_only", false),
            prefs.getBoolean("pengawas", false),
        )
    }

    fun saveSettings(settings: DeviceSettings, pinHash: String) {
        getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit()
            .putString("server", settings.serverUrl)
            .putString("token", settings.token)
            .putString("enumerator", settings.enumerator)
            .putString("areas", settings.areas.joinToString(","))
            .putBoolean("unmetered_only", settings.unmeteredOnly)
            .putBoolean("pengawas", settings.pengawas)
            .putString("pin", pinHash)
            .commit()
    }

    companion object {
        const val PREFS = "verivali"
        const val FORM_ID = "dtks_verivali"

        fun of(context: Context): VerivaliApp = context.applicationContext as VerivaliApp
    }
}
