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

/** The core's log events reach a Kotlin logger, with their level and a Logcat tag, and carry no NIK. */
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
}
