package id.verivali.core

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom

/** What the JVM tests share: fixture paths from `-Dverivali.*` and a provisioned store. */
object Fixtures {
    private fun file(property: String) = File(System.getProperty(property) ?: error("set -D$property"))

    val sample: File get() = file("verivali.sample")
    val miniForm: File get() = file("verivali.miniForm")
    val dtksForm: File get() = file("verivali.dtksForm")
    val photos: File get() = file("verivali.photos")

    /** A fresh store (random key, temporary folder) with `form` installed and the sample prelist. */
    fun provisioned(form: File = miniForm): Verivali {
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val store = Verivali.open(Files.createTempDirectory("verivali-kt").toString(), key)
        store.installForm(form.path)
        store.importPrelist(sample.path, null)
        return store
    }

    /** The ID DTKS of the sample prelist's first household. */
    fun firstHouseholdId(): String =
        Regex("\"id_dtks\":\"([^\"]+)\"").find(sample.useLines { it.first() })!!.groupValues[1]
}
