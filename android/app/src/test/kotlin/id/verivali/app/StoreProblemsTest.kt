package id.verivali.app

import id.verivali.core.Verivali
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import java.io.File

/** A store the key does not open, or a damaged one: said in words, with what to do; nothing deleted. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class StoreProblemsTest {
    @Before
    fun settings() = TestDevice.saveSettings()

    private fun storeDir(): File = File(TestDevice.app().filesDir, "store")

    private fun dialogText(): String {
        TestDevice.idleUntil("the problem shown") { TestDevice.dialog() != null }
        val dialog = TestDevice.dialog()!!
        return shadowOf(dialog).message.toString()
    }

    @Test
    fun a_store_the_key_does_not_open_is_explained_and_kept() {
        // Data written under another key (a restored backup, a reset key store).
        Verivali.open(storeDir().path, ByteArray(32) { 9 }, null).destroy()
        val before = storeDir().listFiles()!!.map { it.name }.toSet()
        Robolectric.buildActivity(HouseholdListActivity::class.java).setup()
        val text = dialogText()
        assertTrue(text, text.contains("pengawas") || text.contains("supervisor"))
        assertTrue(text, text.contains("Jangan hapus") || text.contains("Do not uninstall"))
        assertTrue("the data stays", storeDir().listFiles()!!.map { it.name }.toSet().containsAll(before))
    }

    @Test
    fun a_damaged_store_is_set_aside_and_explained() {
        // A store made with this phone's key, then damaged (a failing SD card, a cut power).
        Verivali.open(storeDir().path, DatabaseKey.load(TestDevice.app()), null).destroy()
        File(storeDir(), "verivali.db").writeBytes(ByteArray(8192) { (it * 31).toByte() })
        Robolectric.buildActivity(HouseholdListActivity::class.java).setup()
        val text = dialogText()
        assertTrue(text, text.contains("disisihkan") || text.contains("set aside"))
        assertTrue("the damaged file is kept aside", storeDir().listFiles()!!.any { it.name.contains("verivali.db") })
    }
}
