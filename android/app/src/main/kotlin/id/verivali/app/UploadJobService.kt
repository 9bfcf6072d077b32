package id.verivali.app

import android.app.job.JobParameters
import android.app.job.JobService
import id.verivali.core.UploadInterrupt
import id.verivali.core.UploadProgressListener
import id.verivali.core.UploadSummary
import id.verivali.shell.CoreExecutor
import id.verivali.shell.UploadPolicy

/** Sends what waits when the network is there; JobScheduler retries with backoff on failure. */
class UploadJobService : JobService() {
    @Volatile private var interrupt: UploadInterrupt? = null

    override fun onStartJob(params: JobParameters): Boolean {
        val app = VerivaliApp.of(this)
        val settings = app.settings() ?: return false
        val stop = UploadInterrupt().also { interrupt = it }
        Thread(null, {
            val total = app.core.outboxStatus().size
            val listener = object : UploadProgressListener {
                override fun onProgress(progress: UploadSummary) {
                    Notifications.progress(this@UploadJobService, UploadPolicy.progress(progress, total, app.language))
                }
            }
            val summary = runCatching {
                app.core.uploadPending(settings.serverUrl, settings.token, UploadPolicy.RUN_BUDGET_MS.toULong(), listener, stop)
            }
            val after = summary.getOrNull()?.let { UploadPolicy.afterRun(it, app.core.outboxStatus(), app.language) }
            Notifications.result(this, after?.notification, after?.needsPerson ?: false)
            jobFinished(params, after?.retryWithBackoff ?: true)
        }, "verivali-upload", CoreExecutor.CORE_STACK_BYTES).start()
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        interrupt?.interrupt()
        return true
    }
}
