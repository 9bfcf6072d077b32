package id.verivali.app

import android.app.NotificationManager
import android.app.job.JobScheduler
import android.content.Context
import android.content.Intent
import android.widget.ListView
import id.verivali.core.UploadState
import id.verivali.shell.DeviceSettings
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

    private fun finalizedVisit(): String = TestDevice.finalizedVisit("5271011009000002")

    private fun runJob(): UploadJobService = TestDevice.runUploadJob()

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
