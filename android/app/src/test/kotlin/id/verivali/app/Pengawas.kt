package id.verivali.app

import id.verivali.core.UploadState
import org.json.JSONObject
import org.junit.Assert.assertEquals
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The pengawas at the office, for the tests: the receiver's own CLI (`verivali serve review …`)
 * on the data folder of the receiver run-tests.sh started (`-Dverivali.receiverDir`, with its
 * `receiver.key`; `-Dverivali.cli`), as a pengawas would use the review pages.
 */
object Pengawas {
    private val dataDir: String get() = System.getProperty("verivali.receiverDir") ?: error("-Dverivali.receiverDir is not set")
    private val cli: String get() = System.getProperty("verivali.cli") ?: error("-Dverivali.cli is not set")

    /** Runs `verivali serve review ARGS` and gives its output; a failure is a test failure. */
    private fun review(vararg args: String): String {
        val command = listOf(cli, "--data", dataDir, "--key-file", File(dataDir, "receiver.key").path, "serve", "review") + args
        val process = ProcessBuilder(command).redirectErrorStream(true).start()
        val output = process.inputStream.bufferedReader().readText()
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw AssertionError("${command.drop(5).joinToString(" ")} failed: $output")
        }
        return output
    }

    /**
     * Returns submission [instanceId] to its enumerator: [comments] on questions (reference to
     * text) and [note] on the whole interview. Gives the state the CLI printed (`returned`).
     */
    fun returnInterview(instanceId: String, comments: Map<String, String>, note: String?): String {
        val args = listOf("return", instanceId) +
            comments.flatMap { (reference, text) -> listOf("--comment", "$reference=$text") } +
            (note?.let { listOf("--note", it) } ?: emptyList())
        return review(*args.toTypedArray()).trim().substringAfterLast(": ")
    }

    /**
     * Submission [instanceId]'s row in the pengawas's queue (`state`: `waiting`, `returned`, …;
     * `corrects`: the returned submission it corrects), null when the queue does not show it (a
     * submission a correction replaced is not shown).
     */
    fun queueRow(instanceId: String): JSONObject? {
        val rows = JSONObject(review("list", "--json", "--limit", "500")).getJSONArray("rows")
        return (0 until rows.length()).map { rows.getJSONObject(it) }.firstOrNull { it.getString("instance_id") == instanceId }
    }

    const val STATUS = "/data/status_keberadaan"
    const val REASON = "/data/alasan_tidak_ditemukan"
    const val STATUS_COMMENT = "Tanyakan juga ke ketua RT"
    const val REASON_COMMENT = "Alasan kurang jelas, tulis ke mana pindahnya"
    const val NOTE = "Foto rumah kurang jelas"

    /**
     * A "not found" visit to [household] finalized on the phone, sent by the upload job, then
     * returned by the pengawas with a comment on its status and on its reason and a note on the
     * whole. Gives the returned submission's instance ID (the interview's id); nothing is fetched yet.
     */
    fun returnedVisit(household: String): String {
        val id = TestDevice.finalizedVisit(household)
        TestDevice.runUploadJob()
        val sent = TestDevice.app().core.outboxStatus().single { it.interviewId == id }
        assertEquals(UploadState.SENT, sent.state)
        val state = returnInterview(sent.instanceId, mapOf(STATUS to STATUS_COMMENT, REASON to REASON_COMMENT), NOTE)
        assertEquals("returned", state)
        return sent.instanceId
    }
}
