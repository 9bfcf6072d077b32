package id.verivali.core

import id.verivali.shell.KeyWrapper
import id.verivali.shell.WrappedKeyFile
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.io.IOException
import java.nio.file.Files

/** The store's key file: written once, atomically, checked; a key that was not stored is never used. */
class WrappedKeyFileTest {
    /** Stands in for the Keystore: XOR with a fixed pad, hex-encoded. Enough to tell wrapped from raw. */
    private object XorWrapper : KeyWrapper {
        override fun wrap(key: ByteArray): String = key.joinToString("") { "%02x".format((it.toInt() and 0xff) xor 0x5a) }
        override fun unwrap(line: String): ByteArray =
            line.chunked(2).map { (it.toInt(16) xor 0x5a).toByte() }.toByteArray()
    }

    private fun dir(): File = Files.createTempDirectory("wrapped-key").toFile()

    @Test
    fun the_key_is_made_once_and_read_back_the_same_on_every_later_load() {
        val file = File(dir(), "key")
        val first = WrappedKeyFile(file, XorWrapper).load()
        assertEquals(32, first.size)
        assertArrayEquals(first, WrappedKeyFile(file, XorWrapper).load())
        assertFalse("no temporary file is left", File(file.parentFile, "key.tmp").exists())
    }

    @Test
    fun a_failed_rename_is_an_error_and_leaves_no_key_behind() {
        val file = File(dir(), "key")
        try {
            WrappedKeyFile(file, XorWrapper, rename = { _, _ -> false }).load()
            fail("a key that was not stored must not be used")
        } catch (expected: IOException) {
            assertTrue(expected.message!!.contains(file.path))
        }
        assertFalse(file.exists())
        assertFalse(File(file.parentFile, "key.tmp").exists())
        // The next launch makes a key and stores it.
        assertEquals(32, WrappedKeyFile(file, XorWrapper).load().size)
    }

    @Test
    fun a_damaged_key_file_is_an_error_naming_it_not_a_new_key() {
        val file = File(dir(), "key").apply { writeText("not hex at all") }
        try {
            WrappedKeyFile(file, XorWrapper).load()
            fail("a damaged key file must not be replaced silently")
        } catch (expected: Exception) {
            assertEquals("not hex at all", file.readText())
        }
    }
}
