package id.verivali.shell

import id.verivali.core.InterviewStatus
import id.verivali.core.UploadState
import id.verivali.core.InterviewSummary

/** Where a household stands for the enumerator, as the list's filter offers it. */
enum class HouseholdStatus(val id: String, val en: String) {
    NOT_VISITED("Belum dikunjungi", "Not visited"),
    DRAFT("Draf", "Draft"),
    FINALIZED("Final", "Finalized"),
    WAITING("Menunggu dikirim", "Waiting to send"),
    SENT("Terkirim", "Sent"),
    RETURNED("Dikembalikan", "Returned");

    fun text(language: UiLanguage) = if (language == UiLanguage.EN) en else id
}

/**
 * One line of the household list: what it says, and what tapping it opens: the interview
 * [interviewId] when set (a returned one, which a new household without an ID DTKS also has),
 * else household [idDtks] (its draft or returned interview, or a new visit).
 */
data class HouseholdLine(val text: String, val idDtks: String?, val interviewId: String?, val returned: Boolean)

/** Which households the list keeps for the chosen status, and how each line reads. */
object HouseholdFilter {
    /**
     * The status of one interview: its interview state, then its upload. "Returned" is only what
     * a pengawas sent back; an interview the enumerator reopened to correct it is a draft again.
     */
    fun statusOf(interview: InterviewSummary): HouseholdStatus = when {
        interview.returnedByPengawas -> HouseholdStatus.RETURNED
        interview.status == InterviewStatus.FINALIZED -> when (interview.upload) {
            UploadState.SENT -> HouseholdStatus.SENT
            UploadState.RETRY_LATER, UploadState.NEEDS_PERSON -> HouseholdStatus.WAITING
            else -> HouseholdStatus.FINALIZED
        }
        else -> HouseholdStatus.DRAFT
    }

    /** Each prelist household's status from its newest interview (`interviews` come newest first). */
    fun byHousehold(interviews: List<InterviewSummary>): Map<String, HouseholdStatus> {
        val out = LinkedHashMap<String, HouseholdStatus>()
        for (interview in interviews) {
            val id = interview.idDtks ?: continue
            out.putIfAbsent(id, statusOf(interview))
        }
        return out
    }

    fun matches(idDtks: String, wanted: HouseholdStatus?, statuses: Map<String, HouseholdStatus>): Boolean =
        wanted == null || (statuses[idDtks] ?: HouseholdStatus.NOT_VISITED) == wanted

    /** The search [hits] the filter keeps for [wanted], each marked when a pengawas returned it. */
    fun searchLines(hits: List<HouseholdRow>, interviews: List<InterviewSummary>, wanted: HouseholdStatus?): List<HouseholdLine> {
        val statuses = byHousehold(interviews)
        return hits.filter { matches(it.idDtks, wanted, statuses) }.map { row ->
            val returned = statuses[row.idDtks] == HouseholdStatus.RETURNED
            HouseholdLine(lineText(row, returned), row.idDtks, null, returned)
        }
    }

    /**
     * The "returned" filter: exactly the interviews a pengawas returned and not corrected yet,
     * newest first, whether or not a search of the prelist would reach them (a new household has
     * no prelist entry); narrowed by [typed] (ID DTKS or name). [rowOf] describes a prelist household.
     */
    fun returnedLines(
        interviews: List<InterviewSummary>,
        typed: String,
        rowOf: (String) -> HouseholdRow?,
    ): List<HouseholdLine> = interviews.filter { it.returnedByPengawas }.map { interview ->
        val row = interview.idDtks?.let { rowOf(it) ?: HouseholdRow(it, "-", "") }
            ?: HouseholdRow(NEW_HOUSEHOLD, "-", interview.interviewId)
        HouseholdLine(lineText(row, true), interview.idDtks, interview.interviewId, true)
    }.filter { typed.isBlank() || it.text.contains(typed.trim(), ignoreCase = true) }

    /** A new household's line says so where the ID DTKS would be. */
    const val NEW_HOUSEHOLD = "Usulan baru / New household"

    /** `ID DTKS · head`, the subtitle, and the returned mark on its own line when returned. */
    fun lineText(row: HouseholdRow, returned: Boolean): String =
        "${row.idDtks} · ${row.title}\n${row.subtitle}" + if (returned) "\n${Returns.LIST_MARK}" else ""
}
