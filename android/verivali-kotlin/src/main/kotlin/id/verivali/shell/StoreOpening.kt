package id.verivali.shell

import id.verivali.core.Settings
import id.verivali.core.Verivali
import id.verivali.core.VerivaliException
import java.util.TimeZone

/**
 * Opening the device's store, and what to tell the enumerator when it does not open. The two
 * failures a person can act on get their own branch: a wrong key (nothing on disk changed; the
 * data must not be thrown away, so the app is not to be reinstalled) and a damaged database (it
 * was set aside; the next opening starts an empty store, and the supervisor recovers what had
 * not been sent from the file set aside).
 */
sealed class StoreOpening {
    data class Opened(val core: Verivali) : StoreOpening()

    data class WrongKey(val message: String) : StoreOpening()

    data class SetAside(val movedTo: String, val message: String) : StoreOpening()

    data class Failed(val message: String) : StoreOpening()

    /** What to tell the person when the store did not open; null when it did. */
    val problem: String?
        get() = when (this) {
            is Opened -> null
            is WrongKey -> message
            is SetAside -> message
            is Failed -> message
        }

    companion object {
        /** The core's settings for a phone in [timeZone] now: WIB, WITA or WIT as the phone says. */
        fun settingsFor(timeZone: TimeZone, nowMs: Long): Settings =
            Settings(utcOffsetMinutes = timeZone.getOffset(nowMs) / 60_000)

        fun open(
            dataDir: String,
            key: ByteArray,
            language: UiLanguage,
            settings: Settings = settingsFor(TimeZone.getDefault(), System.currentTimeMillis()),
        ): StoreOpening = try {
            Opened(Verivali.open(dataDir, key, settings))
        } catch (e: VerivaliException.WrongKey) {
            WrongKey(
                if (language == UiLanguage.EN) {
                    "The key does not open this phone's data; nothing was changed. Do not uninstall " +
                        "the app: call your supervisor."
                } else {
                    "Kunci tidak membuka data di ponsel ini; tidak ada yang berubah. Jangan hapus " +
                        "aplikasi: hubungi pengawas."
                },
            )
        } catch (e: VerivaliException.Corrupt) {
            SetAside(
                e.movedTo,
                if (language == UiLanguage.EN) {
                    "The data on this phone was damaged and has been set aside. Open the app again to " +
                        "start with empty data, then download the form and the prelist again. Interviews " +
                        "already sent are safe on the server; call your supervisor to recover the others."
                } else {
                    "Data di ponsel ini rusak dan sudah disisihkan. Buka aplikasi lagi untuk mulai dengan " +
                        "data kosong, lalu unduh formulir dan prelist lagi. Wawancara yang sudah terkirim aman " +
                        "di server; hubungi pengawas untuk memulihkan yang lain."
                },
            )
        } catch (e: VerivaliException) {
            Failed(e.message ?: e.toString())
        }
    }
}
