package id.verivali.shell

import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec

/** The device's settings from the provisioning screen (or a pasted `verivali://` line). */
data class DeviceSettings(
    val serverUrl: String,
    val token: String,
    val enumerator: String,
    val areas: List<String>,
    val unmeteredOnly: Boolean = false,
    /** A pengawas's phone (issue 18): the team's screens, and the team's interviews fetched; else a pencacah's. */
    val pengawas: Boolean = false,
)

/** Checks and reads what the enumerator typed or pasted; every refusal says which field, in both languages. */
object Provisioning {
    sealed class Result {
        data class Ok(val settings: DeviceSettings) : Result()
        data class Invalid(val field: String, val message: String) : Result()
    }

    /** The phone's role as a setup line names it; a refusal says what the line may name. */
    sealed class Role {
        data class Ok(val pengawas: Boolean) : Role()
        data class Invalid(val message: String) : Role()
    }

    /**
     * A pasted line `verivali://setup?server=…&token=…&enumerator=…&area=52.71,52.72&role=pengawas`
     * (the QR code's content) into the fields.
     */
    fun parseSetupLine(line: String): Map<String, String> {
        val query = line.trim().substringAfter('?', "")
        return query.split('&').filter { '=' in it }.associate {
            val (k, v) = it.split('=', limit = 2)
            k to java.net.URLDecoder.decode(v, "UTF-8")
        }
    }

    /**
     * The role in a setup line's [fields]: `pengawas`, or `pencacah` (also when the line names
     * none, as lines made before the role existed). Any other value is refused, never read as
     * pencacah: a phone set up in the wrong role would show the wrong screens.
     */
    fun role(fields: Map<String, String>): Role = when (fields["role"]?.trim()?.lowercase().orEmpty()) {
        "pengawas" -> Role.Ok(pengawas = true)
        "pencacah", "" -> Role.Ok(pengawas = false)
        else -> Role.Invalid("Peran harus pengawas atau pencacah / The role must be pengawas or pencacah")
    }

    fun validate(
        server: String,
        token: String,
        enumerator: String,
        areas: String,
        unmeteredOnly: Boolean,
        pengawas: Boolean = false,
    ): Result {
        val url = server.trim().trimEnd('/')
        if (!(url.startsWith("https://") || url.startsWith("http://127.0.0.1") || url.startsWith("http://localhost"))) {
            return Result.Invalid("server", "Alamat server harus https:// / The server URL must be https://")
        }
        if (token.trim().length < 8) {
            return Result.Invalid("token", "Token terlalu pendek / The token is too short")
        }
        if (enumerator.isBlank()) {
            return Result.Invalid("enumerator", "Nama pencacah wajib diisi / The enumerator's name is required")
        }
        val codes = areas.split(',', ' ').map { it.trim() }.filter { it.isNotEmpty() }
        if (codes.isEmpty() || codes.any { !Regex("""\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?""").matches(it) }) {
            return Result.Invalid("area", "Kode wilayah seperti 52.71 / Area codes like 52.71")
        }
        return Result.Ok(DeviceSettings(url, token.trim(), enumerator.trim(), codes, unmeteredOnly, pengawas))
    }

    /** A PIN is 4–8 digits, not all the same. */
    fun pinProblem(pin: String): String? = when {
        !Regex("""\d{4,8}""").matches(pin) -> "PIN 4–8 angka / A PIN is 4–8 digits"
        pin.toSet().size == 1 -> "PIN terlalu mudah / The PIN is too easy"
        else -> null
    }

    /** Salted PBKDF2 of the PIN, `salt:hash` in hex, for the lock screen. */
    fun hashPin(pin: String, salt: ByteArray = ByteArray(16).also { SecureRandom().nextBytes(it) }): String {
        val spec = PBEKeySpec(pin.toCharArray(), salt, 120_000, 256)
        val hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).encoded
        return hex(salt) + ":" + hex(hash)
    }

    fun pinMatches(pin: String, stored: String): Boolean {
        val salt = stored.substringBefore(':').chunked(2).map { it.toInt(16).toByte() }.toByteArray()
        return MessageDigest.isEqual(hashPin(pin, salt).toByteArray(), stored.toByteArray())
    }

    private fun hex(bytes: ByteArray) = bytes.joinToString("") { "%02x".format(it) }
}

/**
 * Whether the household list may show without asking for the PIN. Once the right PIN is given,
 * the phone stays unlocked for the life of the app's process: a rotation or a recreated screen
 * neither skips the PIN while locked nor asks again once unlocked; a new process asks again.
 */
class ScreenLock {
    @Volatile
    var unlocked: Boolean = false
        private set

    /** Whether to ask now, given the PIN hash saved at provisioning (none: nothing to ask). */
    fun mustAsk(storedPin: String?): Boolean = storedPin != null && !unlocked

    /** Unlocks when [pin] matches [storedPin]; says whether it did. */
    fun tryUnlock(pin: String, storedPin: String): Boolean =
        Provisioning.pinMatches(pin, storedPin).also { if (it) unlocked = true }
}
