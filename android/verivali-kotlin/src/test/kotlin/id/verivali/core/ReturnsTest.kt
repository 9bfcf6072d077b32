package id.verivali.core

import id.verivali.shell.HouseholdFilter
import id.verivali.shell.HouseholdRow
import id.verivali.shell.HouseholdStatus
import id.verivali.shell.Returns
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * A pengawas's return on the phone (issue 17): the notification's count, which interviews the
 * "returned" filter keeps and how they are marked, the banner and the comment under a question.
 */
class ReturnsTest {
    private fun summary(id: String, idDtks: String?, status: InterviewStatus, byPengawas: Boolean) =
        InterviewSummary(id, idDtks, status, UploadState.SENT.takeIf { status == InterviewStatus.FINALIZED }, byPengawas)

    private fun row(idDtks: String) = HouseholdRow(idDtks, "Kepala $idDtks", "3 ART · desa 5271011009")

    @Test
    fun the_notification_says_how_many_interviews_came_back_in_bahasa_indonesia_then_english() {
        assertEquals(
            "2 wawancara dikembalikan pengawas untuk dikoreksi / 2 interviews returned by the pengawas for correction",
            Returns.notification(listOf("uuid:a", "uuid:b")),
        )
        assertEquals(
            "1 wawancara dikembalikan pengawas untuk dikoreksi / 1 interview returned by the pengawas for correction",
            Returns.notification(listOf("uuid:a")),
        )
    }

    @Test
    fun no_notification_when_nothing_came_back() {
        assertNull(Returns.notification(emptyList()))
    }

    @Test
    fun only_interviews_a_pengawas_returned_count_as_returned_and_one_the_enumerator_reopened_is_a_draft() {
        assertEquals(HouseholdStatus.RETURNED, HouseholdFilter.statusOf(summary("a", "A", InterviewStatus.RETURNED, true)))
        assertEquals(HouseholdStatus.DRAFT, HouseholdFilter.statusOf(summary("b", "B", InterviewStatus.RETURNED, false)))
        assertEquals(HouseholdStatus.SENT, HouseholdFilter.statusOf(summary("c", "C", InterviewStatus.FINALIZED, false)))
    }

    @Test
    fun the_returned_filter_keeps_exactly_the_returned_interviews_new_households_included_and_marks_them() {
        val interviews = listOf(
            summary("uuid:new", null, InterviewStatus.RETURNED, true),
            summary("uuid:a", "5271011009000001", InterviewStatus.RETURNED, true),
            summary("uuid:reopened", "5271011009000002", InterviewStatus.RETURNED, false),
            summary("uuid:sent", "5271011009000003", InterviewStatus.FINALIZED, false),
            summary("uuid:draft", null, InterviewStatus.DRAFT, false),
        )
        val lines = HouseholdFilter.returnedLines(interviews, "", ::row)
        assertEquals(listOf("uuid:new", "uuid:a"), lines.map { it.interviewId })
        assertEquals(listOf(null, "5271011009000001"), lines.map { it.idDtks })
        assertTrue(lines.all { it.returned && it.text.endsWith("\n" + Returns.LIST_MARK) })
        assertTrue(lines[0].text.startsWith(HouseholdFilter.NEW_HOUSEHOLD))
        assertTrue(lines[1].text.startsWith("5271011009000001 · Kepala 5271011009000001"))
    }

    @Test
    fun what_is_typed_narrows_the_returned_filter_by_id_dtks_or_name() {
        val interviews = listOf(
            summary("uuid:a", "5271011009000001", InterviewStatus.RETURNED, true),
            summary("uuid:b", "5271011009000009", InterviewStatus.RETURNED, true),
        )
        assertEquals(listOf("uuid:b"), HouseholdFilter.returnedLines(interviews, "0009", ::row).map { it.interviewId })
        assertEquals(listOf("uuid:a"), HouseholdFilter.returnedLines(interviews, "kepala 5271011009000001", ::row).map { it.interviewId })
    }

    @Test
    fun a_search_marks_the_households_a_pengawas_returned_and_opens_them_by_household() {
        val interviews = listOf(summary("uuid:a", "5271011009000001", InterviewStatus.RETURNED, true))
        val lines = HouseholdFilter.searchLines(listOf(row("5271011009000001"), row("5271011009000002")), interviews, null)
        assertEquals(listOf(true, false), lines.map { it.returned })
        assertTrue(lines[0].text.contains(Returns.LIST_MARK))
        assertFalse(lines[1].text.contains(Returns.LIST_MARK))
        assertEquals(listOf(null, null), lines.map { it.interviewId })
        val onlyReturned = HouseholdFilter.searchLines(listOf(row("5271011009000001"), row("5271011009000002")), interviews, HouseholdStatus.RETURNED)
        assertEquals(listOf("5271011009000001"), onlyReturned.map { it.idDtks })
    }

    @Test
    fun the_banner_shows_the_comments_on_the_whole_interview_and_counts_those_on_questions() {
        val review = ReviewReturnView(
            1_796_000_000_000,
            listOf(
                ReviewCommentView("/data/status_keberadaan", "Tetangga bilang masih tinggal"),
                ReviewCommentView(null, "Foto kurang jelas"),
                ReviewCommentView("/data/members[2]/nik", "NIK tidak sama dengan KK"),
            ),
        )
        assertEquals(
            listOf(
                Returns.BANNER_TITLE,
                "• Foto kurang jelas",
                "2 pertanyaan diberi komentar, lihat di bawah labelnya / 2 questions have a comment, under their labels",
            ),
            Returns.banner(review).lines(),
        )
        assertTrue(Returns.BANNER_TITLE.startsWith("Dikembalikan pengawas"))
    }

    @Test
    fun a_banner_without_question_comments_does_not_mention_them() {
        val banner = Returns.banner(ReviewReturnView(0, listOf(ReviewCommentView(null, "Ulangi wawancara"))))
        assertEquals(listOf(Returns.BANNER_TITLE, "• Ulangi wawancara"), banner.lines())
    }

    @Test
    fun a_question_comment_is_labelled_as_the_pengawas_s_in_words_not_only_colour() {
        assertEquals(
            "Komentar pengawas / Pengawas's comment: Tetangga bilang masih tinggal",
            Returns.comment(" Tetangga bilang masih tinggal "),
        )
    }

    private fun question(reference: String, comment: String?) = QuestionView(
        reference, InputKind.TEXT, "Label", null, "", AnswerValue.Empty, emptyList(), false, false, null, null,
        emptyList(), null, comment,
    )

    @Test
    fun each_commented_question_of_a_screen_gets_its_labelled_comment_and_the_others_none() {
        val comments = Returns.commentsOf(
            listOf(question("/data/alasan_tidak_ditemukan", "Tulis ke mana pindahnya"), question("/data/catatan", null)),
        )
        assertEquals(
            mapOf("/data/alasan_tidak_ditemukan" to "Komentar pengawas / Pengawas's comment: Tulis ke mana pindahnya"),
            comments,
        )
    }
}
