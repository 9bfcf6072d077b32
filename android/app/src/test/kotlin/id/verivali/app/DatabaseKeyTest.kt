package id.verivali.app

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import java.io.File
import java.io.IOException

/** The store's key: random once, on disk only wrapped, the same on every launch; a failed write is an error. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class DatabaseKeyTest {
    @Before
    fun keyStore() = FakeAndroidKeyStore.install()

    @Test
    fun the_key_is_the_same_on_the_next_launch_and_only_wrapped_on_disk() {
        val app = TestDevice.app()
        val first = DatabaseKey.load(app)
        assertEquals(32, first.size)
        assertArrayEquals(first, DatabaseKey.load(app))
        val onDisk = File(app.noBackupFilesDir, "verivali.key.wrapped").readBytes()
        assertFalse("the raw key is not on disk", String(onDisk, Charsets.ISO_8859_1).contains(String(first, Charsets.ISO_8859_1)))
        assertTrue(FakeAndroidKeyStore.store().containsAlias("verivali-db-key-wrap"))
    }

    @Test
    fun something_in_the_way_of_the_key_file_is_an_error_that_names_it() {
        val app = TestDevice.app()
        File(app.noBackupFilesDir, "verivali.key.wrapped").mkdirs()
        try {
            DatabaseKey.load(app)
            fail("no key may be used when none can be stored")
        } catch (expected: IOException) {
            assertTrue(expected.message ?: "", (expected.message ?: "").contains("verivali.key.wrapped"))
        }
    }
}
