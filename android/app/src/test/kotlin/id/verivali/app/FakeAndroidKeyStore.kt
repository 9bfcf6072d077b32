package id.verivali.app

import java.io.InputStream
import java.io.OutputStream
import java.security.Key
import java.security.KeyStore
import java.security.KeyStoreSpi
import java.security.Provider
import java.security.SecureRandom
import java.security.Security
import java.security.cert.Certificate
import java.security.spec.AlgorithmParameterSpec
import java.util.Collections
import java.util.Date
import java.util.Enumeration
import javax.crypto.KeyGenerator
import javax.crypto.KeyGeneratorSpi
import javax.crypto.SecretKey

/**
 * Robolectric has no AndroidKeyStore (the hardware-backed key store is a device's). This stands in
 * for it through the same JCA names the app uses: `KeyStore.getInstance("AndroidKeyStore")` and
 * `KeyGenerator.getInstance("AES", "AndroidKeyStore")`, keys held in memory by alias for the
 * process's life, as the real one holds them across launches. What it cannot show: that the key
 * never leaves secure hardware (ADR 0013's blind spots).
 */
object FakeAndroidKeyStore {
    val keys: MutableMap<String, SecretKey> = Collections.synchronizedMap(HashMap())

    fun install() {
        if (Security.getProvider("AndroidKeyStore") == null) Security.addProvider(Provider())
    }

    class Provider : java.security.Provider("AndroidKeyStore", "1.0", "Test stand-in for the Android key store") {
        init {
            put("KeyStore.AndroidKeyStore", Store::class.java.name)
            put("KeyGenerator.AES", Generator::class.java.name)
        }
    }

    class Store : KeyStoreSpi() {
        override fun engineGetKey(alias: String, password: CharArray?): Key? = keys[alias]
        override fun engineGetCertificateChain(alias: String): Array<Certificate>? = null
        override fun engineGetCertificate(alias: String): Certificate? = null
        override fun engineGetCreationDate(alias: String): Date? = null
        override fun engineSetKeyEntry(alias: String, key: Key, password: CharArray?, chain: Array<out Certificate>?) {
            keys[alias] = key as SecretKey
        }
        override fun engineSetKeyEntry(alias: String, key: ByteArray, chain: Array<out Certificate>?) =
            throw UnsupportedOperationException()
        override fun engineSetCertificateEntry(alias: String, cert: Certificate) = throw UnsupportedOperationException()
        override fun engineDeleteEntry(alias: String) { keys.remove(alias) }
        override fun engineAliases(): Enumeration<String> = Collections.enumeration(keys.keys.toList())
        override fun engineContainsAlias(alias: String): Boolean = alias in keys
        override fun engineSize(): Int = keys.size
        override fun engineIsKeyEntry(alias: String): Boolean = alias in keys
        override fun engineIsCertificateEntry(alias: String): Boolean = false
        override fun engineGetCertificateAlias(cert: Certificate): String? = null
        override fun engineStore(stream: OutputStream?, password: CharArray?) {}
        override fun engineLoad(stream: InputStream?, password: CharArray?) {}
    }

    /** Generates an AES key under the alias of the `KeyGenParameterSpec` it is given. */
    class Generator : KeyGeneratorSpi() {
        private var alias: String? = null
        private var size = 256

        override fun engineInit(random: SecureRandom?) = Unit
        override fun engineInit(keysize: Int, random: SecureRandom?) { size = keysize }
        override fun engineInit(params: AlgorithmParameterSpec, random: SecureRandom?) {
            alias = params.javaClass.getMethod("getKeystoreAlias").invoke(params) as String
            size = params.javaClass.getMethod("getKeySize").invoke(params) as Int
        }
        override fun engineGenerateKey(): SecretKey {
            val key = KeyGenerator.getInstance("AES", "SunJCE").apply { init(size) }.generateKey()
            alias?.let { keys[it] = key }
            return key
        }
    }

    /** The key store the app sees, for tests that look inside. */
    fun store(): KeyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
}
