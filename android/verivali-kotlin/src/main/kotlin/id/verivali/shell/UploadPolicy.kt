package id.verivali.shell

import id.verivali.core.OutboxEntry
import id.verivali.core.UploadState
import id.verivali.core.UploadSummary

/**
 * When the background job runs and what it tells the enumerator. The app's JobService only
 * asks this and obeys: schedule or not, with which network constraint and delay, and which
 * notification text.
 */
object UploadPolicy {
    /** How long one background run may take; JobScheduler allows about ten minutes. */
    const val RUN_BUDGET_MS = 8 * 60 * 1000L
    /** First backoff JobScheduler applies to a failed run (it doubles up to five hours). */
    const val INITIAL_BACKOFF_MS = 30_000L
    /**
     * With nothing to send but something sent, the job still runs this often (with a network),
     * so that interviews a pengawas returns come back without the enumerator doing anything; on
     * a pengawas's phone, so that the team's interviews come in and the decisions go out.
     */
    const val RETURNS_CHECK_MS = 3 * 60 * 60 * 1000L

    data class Plan(
        val schedule: Boolean,
        val unmeteredOnly: Boolean,
        /** Earliest start, from now. */
        val delayMs: Long,
    )

    /**
     * Whether a job is needed for `outbox` at `nowMs`, and when. On a [pengawas]'s phone the job
     * always runs now and then, with nothing of its own to send: it fetches the team's
     * interviews and sends the pengawas's decisions.
     */
    fun plan(outbox: List<OutboxEntry>, nowMs: Long, unmeteredOnly: Boolean, pengawas: Boolean = false): Plan {
        val due = outbox.filter { it.state == UploadState.QUEUED || it.state == UploadState.SENDING }
        val waiting = outbox.filter { it.state == UploadState.RETRY_LATER }
        if (due.isEmpty() && waiting.isEmpty()) {
            // Something sent may come back from the pengawas, or the team sent more: look again later.
            val lookAgain = pengawas || outbox.any { it.state == UploadState.SENT }
            return Plan(lookAgain, unmeteredOnly, if (lookAgain) RETURNS_CHECK_MS else 0)
        }
        val delay = if (due.isNotEmpty()) 0L
        else waiting.mapNotNull { it.nextAttemptAt }.minOrNull()?.let { (it - nowMs).coerceAtLeast(0) } ?: 0L
        return Plan(true, unmeteredOnly, delay)
    }

    data class AfterRun(
        /** Ask JobScheduler to run again with its backoff. */
        val retryWithBackoff: Boolean,
        /** The notification after the run, or null to clear it. */
        val notification: String?,
        /** A person must act (token, area, form): the notification stays and opens the outbox. */
        val needsPerson: Boolean,
    )

    /** What to do after `upload_pending` returned `summary`, the outbox now being `outbox`. */
    fun afterRun(summary: UploadSummary, outbox: List<OutboxEntry>, language: UiLanguage): AfterRun {
        val needsPerson = outbox.filter { it.state == UploadState.NEEDS_PERSON }
        val waiting = outbox.count { it.state == UploadState.RETRY_LATER || it.state == UploadState.QUEUED }
        val sent = summary.acknowledged.toInt()
        val text = when {
            needsPerson.isNotEmpty() -> needsPerson.first().reason?.let { bilingual(it, language) }
                ?: if (language == UiLanguage.EN) "An upload needs your attention." else "Ada kiriman yang perlu tindakan."
            waiting > 0 && language == UiLanguage.EN -> "$sent sent, $waiting waiting for signal."
            waiting > 0 -> "$sent terkirim, $waiting menunggu sinyal."
            sent > 0 && language == UiLanguage.EN -> "$sent interviews sent."
            sent > 0 -> "$sent wawancara terkirim."
            else -> null
        }
        return AfterRun(
            retryWithBackoff = summary.retryLater > 0u || summary.stoppedEarly,
            notification = text,
            needsPerson = needsPerson.isNotEmpty(),
        )
    }

    /** How many interviews a run will try to send: those not acknowledged yet. */
    fun toSend(outbox: List<OutboxEntry>): Int = outbox.count { it.state != UploadState.SENT }

    /** An outbox entry's state in words. */
    fun stateText(state: UploadState, language: UiLanguage): String {
        val (id, en) = when (state) {
            UploadState.QUEUED -> "Antre" to "Queued"
            UploadState.SENDING -> "Sedang dikirim" to "Sending"
            UploadState.SENT -> "Terkirim" to "Sent"
            UploadState.RETRY_LATER -> "Dicoba lagi nanti" to "Will retry"
            UploadState.NEEDS_PERSON -> "Perlu tindakan" to "Needs you"
        }
        return if (language == UiLanguage.EN) en else id
    }

    /** One outbox line: which interview, where it stands, and the server's reason in the UI language. */
    fun outboxLine(entry: OutboxEntry, language: UiLanguage): String =
        entry.interviewId + " · " + stateText(entry.state, language) +
            (entry.reason?.let { "\n" + bilingual(it, language) } ?: "")

    /** The progress line while sending [total] interviews ([toSend]). */
    fun progress(summary: UploadSummary, total: Int, language: UiLanguage): String {
        val done = (summary.acknowledged + summary.retryLater + summary.needsPerson).toInt()
        return if (language == UiLanguage.EN) "Sending $done of $total" else "Mengirim $done dari $total"
    }
}
