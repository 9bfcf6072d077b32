package id.verivali.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import id.verivali.shell.KeyWrapper
import id.verivali.shell.WrappedKeyFile
import java.io.File
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The store's 32-byte key, kept on disk only wrapped by an AndroidKeyStore AES-GCM key that never
 * leaves the secure hardware. Android glue only: how the key file is written and checked is
 * [WrappedKeyFile]'s, tested on the JVM.
 */
object DatabaseKey {
    private const val ALIAS = "verivali-db-key-wrap"
    private const val FILE = "verivali.key.wrapped"

    fun load(context: Context): ByteArray = WrappedKeyFile(File(context.noBackupFilesDir, FILE), KeystoreWrapper).load()

    private object KeystoreWrapper : KeyWrapper {
        /** `base64(iv):base64(AES-GCM(key))`. */
        override fun wrap(key: ByteArray): String {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
            return Base64.encodeToString(cipher.iv, Base64.NO_WRAP) + ":" +
                Base64.encodeToString(cipher.doFinal(key), Base64.NO_WRAP)
        }

        override fun unwrap(line: String): ByteArray {
            val parts = line.split(':')
            if (parts.size != 2) throw java.io.IOException("the key file is not iv:key")
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            val iv = Base64.decode(parts[0], Base64.NO_WRAP)
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, iv))
            return cipher.doFinal(Base64.decode(parts[1], Base64.NO_WRAP))
        }
    }

    private fun wrappingKey(): SecretKey {
        val store = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (store.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        generator.init(spec)
        return generator.generateKey()
    }
}
