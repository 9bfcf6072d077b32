package id.verivali.shell

import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.security.SecureRandom

/**
 * Wraps and unwraps the store's key with a key the app cannot read (Android: the Keystore), as
 * one line of ASCII text.
 */
interface KeyWrapper {
    fun wrap(key: ByteArray): String

    fun unwrap(line: String): ByteArray
}

/**
 * The store's 32-byte key, kept in [file] only wrapped by [wrapper]: made at random once, written
 * to a temporary file, flushed to the disk, renamed into place, and read back before it is used.
 * A key that could not be stored is an error, never a key used once: a store opened with a key
 * that is not on disk would answer "wrong key" on every later launch.
 */
class WrappedKeyFile(
    private val file: File,
    private val wrapper: KeyWrapper,
    private val rename: (File, File) -> Boolean = { from, to -> from.renameTo(to) },
) {
    fun load(): ByteArray {
        if (file.exists()) return read()
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val line = wrapper.wrap(key)
        val temporary = File(file.parentFile, file.name + ".tmp")
        FileOutputStream(temporary).use { out ->
            out.write(line.toByteArray(Charsets.US_ASCII))
            out.fd.sync()
        }
        if (!rename(temporary, file)) {
            temporary.delete()
            throw IOException("The store's key could not be stored as ${file.path}; nothing was opened with it")
        }
        if (!read().contentEquals(key)) {
            throw IOException("The store's key read back from ${file.path} differs from the one written")
        }
        return key
    }

    private fun read(): ByteArray {
        if (!file.isFile) throw IOException("${file.path} is not a key file")
        return wrapper.unwrap(String(file.readBytes(), Charsets.US_ASCII).trim())
    }
}
