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
import org.junit.Test

/** The core's log events reach a Kotlin logger; the store's two actionable failures get their own branch. */
class CoreLogTest {
    private data class Line(val priority: Int, val tag: String, val message: String)

    private fun newKey() = ByteArray(32).also { SecureRandom().nextBytes(it) }

    private fun newDataDir() = Files.createTempDirectory("verivali-log").toString()

    @Test
    fun theCoresWarningsReachTheKotlinLoggerWithLevelAndTagAndNoNik() {
        val lines = Collections.synchronizedList(mutableListOf<Line>())
        CoreLogForwarder.install(LogSink { p, tag, message -> lines.add(Line(p, tag, message)) }, LogLevel.DEBUG)
        try {
            val dir = newDataDir()
            Verivali.open(dir, newKey()).use { it.importPrelist(Fixtures.sample.path, null) }
            try {
                Verivali.open(dir, newKey())
            } catch (expected: VerivaliException.WrongKey) {
            }
            val warning = synchronized(lines) { lines.firstOrNull { it.message.contains("wrong key") } }
            assertTrue("the wrong-key warning was forwarded: $lines", warning != null)
            assertEquals(5, warning!!.priority)
            assertTrue(warning.tag, warning.tag.startsWith("vv."))
            assertTrue(warning.tag.length <= 23)
            val niks = Regex("\"nik\":\"(\\d{16})\"").findAll(Fixtures.sample.readText()).map { it.groupValues[1] }.toSet()
            synchronized(lines) {
                for (line in lines) {
                    assertFalse("a NIK in a log line: ${line.message}", niks.any { line.message.contains(it) })
                }
            }
        } finally {
            setCoreLogger(null, LogLevel.ERROR)
        }
    }

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
