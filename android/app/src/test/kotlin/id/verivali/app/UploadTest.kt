package id.verivali.app

import android.app.NotificationManager
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.content.Context
import android.content.Intent
import android.widget.ListView
import id.verivali.core.AnswerValue
import id.verivali.core.UploadState
import id.verivali.shell.DeviceSettings
import id.verivali.shell.FinalizeStep
import id.verivali.shell.Provisioning
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * A finalized visit on its way: the outbox screen lists it, the upload job sends it to the real
 * receiver and posts the result, a failed run asks JobScheduler to retry with backoff, and a
 * reboot puts the job back.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class UploadTest {
    @Before
    fun provisioned() = TestDevice.provision()

    /** A "not found" visit (status 3, with its reason), finalized through the presentation layer. */
    private fun finalizedVisit(): String {
        val app = TestDevice.app()
        val visit = app.enumeration.open(VerivaliApp.FORM_ID, "5271011009000002")
        visit.answer("/data/status_keberadaan", AnswerValue.Choice("3"))
        visit.answer("/data/alasan_tidak_ditemukan", AnswerValue.Text("Pindah ke luar kota"))
        var step = visit.finalize()
        while (step is FinalizeStep.NeedReasons) {
            step.warnings.forEach { visit.confirm(it, "Dicek bersama ketua RT") }
            step = visit.finalize()
        }
        assertEquals(FinalizeStep.Done, step)
        return visit.interview.id()
    }

    /** Runs the upload job as JobScheduler would and waits until it says it finished. */
    private fun runJob(): UploadJobService {
        val service = Robolectric.buildService(UploadJobService::class.java).create().get()
        val constructor = JobParameters::class.java.declaredConstructors.maxByOrNull { it.parameterCount }!!
        constructor.isAccessible = true
        val arguments: List<Any?> = constructor.parameterTypes.map { type ->
            when (type) {
                Int::class.javaPrimitiveType -> 52
                Boolean::class.javaPrimitiveType -> false
                Long::class.javaPrimitiveType -> 0L
                else -> null
            }
        }
        val params = constructor.newInstance(*arguments.toTypedArray<Any?>()) as JobParameters
        assertTrue("the job works on", service.onStartJob(params))
        TestDevice.idleUntil("the upload job to finish") { shadowOf(service).isJobFinished }
        return service
    }

    private fun notificationText(): String {
        val manager = TestDevice.app().getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        val posted = shadowOf(manager).allNotifications
        assertTrue("a notification was posted", posted.isNotEmpty())
        return posted.last().extras.getCharSequence("android.title").toString()
    }

    @Test
    fun the_upload_job_sends_a_finalized_visit_and_says_so() {
        val id = finalizedVisit()
        val outbox = Robolectric.buildActivity(OutboxActivity::class.java).setup().get()
        val list = TestDevice.views(TestDevice.content(outbox), ListView::class.java).single()
        TestDevice.idleUntil("the outbox list") { list.adapter.count == 1 }
        assertTrue(list.adapter.getItem(0).toString().startsWith(id))
        val service = runJob()
        assertFalse("nothing to retry", shadowOf(service).isRescheduleNeeded)
        val entry = TestDevice.app().core.outboxStatus().single()
        assertEquals(UploadState.SENT, entry.state)
        assertTrue(notificationText(), notificationText().isNotBlank())
    }

    @Test
    fun a_run_that_cannot_reach_the_server_asks_for_a_retry_with_backoff() {
        val app = TestDevice.app()
        finalizedVisit()
        app.saveSettings(
            DeviceSettings("http://127.0.0.1:9", TestDevice.token, "Robolectric", listOf("52"), false),
            Provisioning.hashPin(TestDevice.PIN),
        )
        val service = runJob()
        assertTrue("JobScheduler retries with backoff", shadowOf(service).isRescheduleNeeded)
        assertEquals(UploadState.RETRY_LATER, app.core.outboxStatus().single().state)
    }

    @Test
    fun after_a_reboot_the_upload_job_is_put_back_when_something_waits() {
        finalizedVisit()
        val app = TestDevice.app()
        val scheduler = app.getSystemService(Context.JOB_SCHEDULER_SERVICE) as JobScheduler
        scheduler.cancelAll()
        BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        TestDevice.idleUntil("the job scheduled") { scheduler.allPendingJobs.isNotEmpty() }
        val job = scheduler.allPendingJobs.single()
        assertEquals(UploadJobService::class.java.name, job.service.className)
        assertTrue("kept across reboots", job.isPersisted)
    }
}
