package id.verivali.app

import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.ComponentName
import android.content.Context
import id.verivali.shell.Team
import id.verivali.shell.UploadPolicy

/** Puts the upload job in JobScheduler as the policy says: network, delay, backoff, persisted. */
object UploadScheduler {
    private const val JOB_ID = 52

    fun schedule(context: Context) {
        val app = VerivaliApp.of(context)
        val settings = app.settings()
        val unmetered = settings?.unmeteredOnly ?: false
        val pengawas = Team.offered(settings)
        app.executor.run({ UploadPolicy.plan(app.core.outboxStatus(), System.currentTimeMillis(), unmetered, pengawas) }) { result ->
            val plan = result.getOrNull() ?: return@run
            val scheduler = context.getSystemService(Context.JOB_SCHEDULER_SERVICE) as JobScheduler
            if (!plan.schedule) return@run
            val job = JobInfo.Builder(JOB_ID, ComponentName(context, UploadJobService::class.java))
                .setRequiredNetworkType(if (plan.unmeteredOnly) JobInfo.NETWORK_TYPE_UNMETERED else JobInfo.NETWORK_TYPE_ANY)
                .setMinimumLatency(plan.delayMs)
                .setBackoffCriteria(UploadPolicy.INITIAL_BACKOFF_MS, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
                .setPersisted(true)
                .build()
            scheduler.schedule(job)
        }
    }
}
