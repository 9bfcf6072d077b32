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

object HouseholdFilter {
    /** The status of one interview: its interview state, then its upload. */
    fun statusOf(interview: InterviewSummary): HouseholdStatus = when (interview.status) {
        InterviewStatus.DRAFT -> HouseholdStatus.DRAFT
        InterviewStatus.RETURNED -> HouseholdStatus.RETURNED
        InterviewStatus.FINALIZED -> when (interview.upload) {
            UploadState.SENT -> HouseholdStatus.SENT
            UploadState.RETRY_LATER, UploadState.NEEDS_PERSON -> HouseholdStatus.WAITING
            else -> HouseholdStatus.FINALIZED
        }
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
}
