package id.verivali.core

import java.nio.file.Files
import java.security.SecureRandom
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Uploads as the shell's background job makes them, to a real `verivali serve` on loopback that
 * run-jvm-tests.sh started (its URL and a device token come as system properties).
 */
class UploadTest {
    private val receiver = System.getProperty("verivali.receiver") ?: error("set -Dverivali.receiver")
    private val token = System.getProperty("verivali.token") ?: error("set -Dverivali.token")

    private fun deviceWithOneFinalizedVisit(): Verivali {
        val device = Fixtures.provisioned()
        device.startInterview("mini_verivali", Fixtures.firstHouseholdId()).use { interview ->
            interview.answer("/data/status_keberadaan", AnswerValue.Choice("4"))
            assertTrue(interview.finalize(emptyList()) is FinalizeResult.Finalized)
        }
        return device
    }

    @Test
    fun aFinalizedVisitUploadsOnceAndShowsAsSent() {
        deviceWithOneFinalizedVisit().use { device ->
            assertEquals(UploadState.QUEUED, device.outboxStatus().single().state)
            val summary = device.uploadPending(receiver, token, 30_000uL, null, null)
            assertEquals(1u, summary.acknowledged)
            assertEquals(UploadState.SENT, device.outboxStatus().single().state)
            assertEquals(0u, device.uploadPending(receiver, token, 30_000uL, null, null).acknowledged)
        }
    }

    @Test
    fun progressIsReportedAndAnInterruptStopsTheRun() {
        deviceWithOneFinalizedVisit().use { device ->
            val stop = UploadInterrupt()
            stop.interrupt()
            val stopped = device.uploadPending(receiver, token, 30_000uL, null, stop)
            assertEquals(0u, stopped.acknowledged)
            assertTrue("an interrupted run says it stopped early", stopped.stoppedEarly)
            val heard = mutableListOf<UploadSummary>()
            val listener = object : UploadProgressListener {
                override fun onProgress(progress: UploadSummary) { heard += progress }
            }
            device.uploadPending(receiver, token, 30_000uL, listener, UploadInterrupt())
            assertEquals(listOf(1u), heard.map { it.acknowledged })
        }
    }

    @Test
    fun syncDownInstallsThePublishedFormOnce() {
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        Verivali.open(Files.createTempDirectory("verivali-kt").toString(), key).use { device ->
            assertTrue(device.forms().isEmpty())
            val first = device.syncDown(receiver, token, null)
            assertEquals(listOf("mini_verivali 1"), first.installed)
            assertEquals("mini_verivali", device.forms().single().formId)
            device.startInterview("mini_verivali", null).close()
            assertEquals(1u, device.syncDown(receiver, token, null).upToDate)
        }
    }

    @Test
    fun aRefusedTokenWaitsForAPersonWithABilingualReason() {
        deviceWithOneFinalizedVisit().use { device ->
            val summary = device.uploadPending(receiver, "not-a-token", 30_000uL, null, null)
            assertEquals(1u, summary.needsPerson)
            val entry = device.outboxStatus().single()
            assertEquals(UploadState.NEEDS_PERSON, entry.state)
            assertTrue(entry.reason!!, entry.reason!!.contains("token baru") && entry.reason!!.contains("new token"))
        }
    }
}
