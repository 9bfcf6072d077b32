package id.verivali.app

import id.verivali.shell.StoreOpening
import java.nio.file.Files
import java.security.SecureRandom

/**
 * The app as two phones in turn, for the team tests (issue 18): the pengawas's, the app's own
 * store, and an enumerator's, a second store in a temporary folder with a key of its own. [phone]
 * says which one the screens and the core calls reach; both share the settings, the PIN, the
 * caches and the process, which is where the bundles travel between them (the share sheet's
 * content URI). Switch only once the screen has caught up with the core ([TestDevice.settle]).
 */
class TwoPhones : VerivaliApp() {
    enum class Phone { PENGAWAS, ENUMERATOR }

    @Volatile
    var phone: Phone = Phone.PENGAWAS

    private val enumerators: StoreOpening by lazy {
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        StoreOpening.open(Files.createTempDirectory("verivali-enumerator").toString(), key, language)
    }

    override val opening: StoreOpening
        get() = if (phone == Phone.ENUMERATOR) enumerators else super.opening
}
