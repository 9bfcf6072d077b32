package id.verivali.app

import android.app.job.JobParameters
import android.app.job.JobService
import android.util.Log
import id.verivali.core.UploadInterrupt
import id.verivali.core.UploadProgressListener
import id.verivali.core.UploadSummary
import id.verivali.shell.CoreExecutor
import id.verivali.shell.DeviceSettings
import id.verivali.shell.Returns
import id.verivali.shell.Team
import id.verivali.shell.UploadPolicy

/**
 * Sends what waits when the network is there, then brings back what a pengawas returned (and,
 * on a pengawas's phone, the team's interviews); JobScheduler retries with backoff on failure.
 */
class UploadJobService : JobService() {
    @Volatile private var interrupt: UploadInterrupt? = null

    override fun onStartJob(params: JobParameters): Boolean {
        val app = VerivaliApp.of(this)
        val settings = app.settings() ?: return false
        val stop = UploadInterrupt().also { interrupt = it }
        Thread(null, { send(app, settings, stop, params) }, "verivali-upload", CoreExecutor.CORE_STACK_BYTES).start()
        return true
    }

    /**
     * One run: sends what waits (a pengawas's decisions among it), shows progress over what is
     * left to send, then the result, then fetches returns and, on a pengawas's phone, the team's
     * interviews. Any upload failure ends the run with a retry (JobScheduler's backoff), never a
     * thread that dies silently.
     */
    private fun send(app: VerivaliApp, settings: DeviceSettings, stop: UploadInterrupt, params: JobParameters) {
        val after = runCatching {
            val total = UploadPolicy.toSend(app.core.outboxStatus())
            val listener = object : UploadProgressListener {
                override fun onProgress(progress: UploadSummary) {
                    Notifications.progress(this@UploadJobService, UploadPolicy.progress(progress, total, app.language))
                }
            }
            val summary = app.core.uploadPending(
                settings.serverUrl, settings.token, UploadPolicy.RUN_BUDGET_MS.toULong(), listener, stop,
            )
            UploadPolicy.afterRun(summary, app.core.outboxStatus(), app.language)
        }
        after.exceptionOrNull()?.let { Log.w("verivali", "upload run failed: ${it.javaClass.simpleName}") }
        val outcome = after.getOrNull()
        Notifications.result(this, outcome?.notification, outcome?.needsPerson ?: false)
        if (!stop.isInterrupted()) fetchReturns(app, settings)
        if (!stop.isInterrupted() && Team.offered(settings)) fetchTeamInterviews(app, settings)
        val retry = outcome?.retryWithBackoff ?: true
        jobFinished(params, retry)
        // Not retrying: the next run is planned afresh (a later look for returns, or nothing).
        if (!retry) UploadScheduler.schedule(this)
    }

    /**
     * Brings back the interviews a pengawas returned and says how many came back. A failure is
     * logged and changes nothing for the upload: the next run fetches again.
     */
    private fun fetchReturns(app: VerivaliApp, settings: DeviceSettings) {
        runCatching { app.core.fetchReturns(settings.serverUrl, settings.token) }
            .onSuccess { Notifications.returned(this, Returns.notification(it.reopened)) }
            .onFailure { Log.w("verivali", "fetching returns failed: ${it.javaClass.simpleName}") }
    }

    /**
     * On a pengawas's phone, brings in the team's interviews the server took since the last
     * fetch, for the team list. A failure (a token that is not a pengawas's, say) is logged and
     * changes nothing for the upload: the next run fetches again.
     */
    private fun fetchTeamInterviews(app: VerivaliApp, settings: DeviceSettings) {
        runCatching { app.core.fetchTeamInterviews(settings.serverUrl, settings.token) }
            .onFailure { Log.w("verivali", "fetching the team's interviews failed: ${it.javaClass.simpleName}") }
    }

    override fun onStopJob(params: JobParameters): Boolean {
        interrupt?.interrupt()
        return true
    }
}
