package id.verivali.core

import id.verivali.shell.CoreLogForwarder
import id.verivali.shell.LogSink
import id.verivali.shell.StoreOpening
import id.verivali.shell.UiLanguage
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.util.Collections
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** Opening the store: the two failures a person can act on get their own branch; the phone's time zone reaches the core. */
class StoreOpeningTest {
    private fun newKey() = ByteArray(32).also { SecureRandom().nextBytes(it) }

    private fun newDataDir() = Files.createTempDirectory("verivali-open").toString()

    @Test
    fun aWrongKeySaysNothingChangedAndTheRightKeyStillOpens() {
        val dir = newDataDir()
        val key = newKey()
        Verivali.open(dir, key).use { it.importPrelist(Fixtures.sample.path, null) }
        val opening = StoreOpening.open(dir, newKey(), UiLanguage.ID)
        assertTrue("$opening", opening is StoreOpening.WrongKey)
        assertTrue((opening as StoreOpening.WrongKey).message.contains("hubungi pengawas"))
        val again = StoreOpening.open(dir, key, UiLanguage.ID)
        assertTrue("the right key still opens it: $again", again is StoreOpening.Opened)
        (again as StoreOpening.Opened).core.use { assertTrue(it.householdCount() > 0UL) }
    }

    @Test
    fun thePhonesTimeZoneReachesTheCoreAsItsOffset() {
        val now = System.currentTimeMillis()
        for ((zone, minutes) in listOf("Asia/Jakarta" to 420, "Asia/Makassar" to 480, "Asia/Jayapura" to 540)) {
            val settings = StoreOpening.settingsFor(java.util.TimeZone.getTimeZone(zone), now)
            assertEquals(zone, minutes, settings.utcOffsetMinutes)
            val opening = StoreOpening.open(newDataDir(), newKey(), UiLanguage.ID, settings)
            (opening as StoreOpening.Opened).core.use { assertEquals(minutes, it.settings().utcOffsetMinutes) }
        }
        try {
            Verivali.open(newDataDir(), newKey(), Settings(locationWarningKm = -1.0))
            fail("a negative distance must be refused")
        } catch (e: VerivaliException.InvalidInput) {
            assertTrue(e.reason, e.reason.contains("location_warning_km"))
        }
    }

    @Test
    fun aDamagedStoreIsSetAsideAndTheNextOpeningStartsEmpty() {
        val dir = newDataDir()
        val key = newKey()
        Verivali.open(dir, key).use { it.importPrelist(Fixtures.sample.path, null) }
        val db = File(dir, "verivali.db")
        db.writeBytes(ByteArray(db.length().toInt()).also { SecureRandom().nextBytes(it) })
        val opening = StoreOpening.open(dir, key, UiLanguage.EN)
        assertTrue("$opening", opening is StoreOpening.SetAside)
        val setAside = opening as StoreOpening.SetAside
        assertTrue("the damaged file is kept: ${setAside.movedTo}", File(setAside.movedTo).exists())
        assertTrue(setAside.message.contains("supervisor"))
        val fresh = StoreOpening.open(dir, key, UiLanguage.EN)
        assertTrue("$fresh", fresh is StoreOpening.Opened)
        (fresh as StoreOpening.Opened).core.use { assertEquals(0UL, it.householdCount()) }
    }
}
