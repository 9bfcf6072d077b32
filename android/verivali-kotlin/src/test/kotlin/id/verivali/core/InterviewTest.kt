package id.verivali.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * A visit as the shell drives it: install the form, start from a prelist household, walk the
 * screens, answer, and finalize with a reason for the warning. Paths come from the
 * `verivali.sample` and `verivali.miniForm` system properties.
 */
class InterviewTest {
    private fun provisioned(): Verivali = Fixtures.provisioned()

    private fun firstHouseholdId(): String = Fixtures.firstHouseholdId()

    @Test
    fun screensShowThePreloadedHouseholdAndSectionsToJumpTo() {
        provisioned().use { store ->
            store.startInterview("mini_verivali", firstHouseholdId()).use { interview ->
                val first = interview.screen()
                assertEquals("/data/id_dtks", first.questions.single().reference)
                assertEquals(firstHouseholdId(), first.questions.single().value)
                assertEquals(InputKind.NOTE, first.questions.single().kind)
                assertEquals(listOf("Kunjungan", "Anggota", "Bukti"), first.sections.map { it.label })
                val status = interview.next().questions.single()
                assertEquals(InputKind.SELECT_ONE, status.kind)
                assertEquals(listOf("1", "2", "3", "4", "5"), status.choices.map { it.value })
                val members = interview.jump(1u)
                assertTrue(members.questions.first().reference.startsWith("/data/members[1]/"))
            }
        }
    }

    @Test
    fun statusOneWithAnEditNeedsAReasonThenTheInterviewIsReadOnly() {
        provisioned().use { store ->
            store.startInterview("mini_verivali", firstHouseholdId()).use { interview ->
                assertEquals(AnswerResult.Saved, interview.answer("/data/status_keberadaan", AnswerValue.Choice("1")).result)
                interview.answer("/data/members[2]/nama", AnswerValue.Text("Rizky Firmansyah Putra"))
                val blocked = interview.finalize(emptyList())
                if (blocked !is FinalizeResult.Blocked) fail("finalize must wait for a reason")
                val warning = (blocked as FinalizeResult.Blocked).unconfirmed.single()
                assertEquals("status.1_changed", warning.rule)
                assertEquals(FindingSeverity.WARNING, warning.severity)
                assertTrue(warning.messageId.isNotEmpty() && warning.messageEn.isNotEmpty())
                val reason = WarningConfirmation(warning.rule, warning.reference, "Ejaan nama diperbaiki")
                val done = interview.finalize(listOf(reason))
                assertTrue("$done", done is FinalizeResult.Finalized)
                try {
                    interview.answer("/data/status_keberadaan", AnswerValue.Choice("2"))
                    fail("a finalized interview is read-only")
                } catch (expected: VerivaliException.Finalized) {
                    // The shell shows the interview as sent for review.
                }
                val reopened = store.interview(interview.id())
                assertEquals(InterviewStatus.FINALIZED, reopened.screen().status)
            }
        }
    }

    @Test
    fun aWrongValueTypeIsReportedNotSaved() {
        provisioned().use { store ->
            store.startInterview("mini_verivali", null).use { interview ->
                interview.addRepeat("/data/members")
                val result = interview.answer("/data/members[1]/tanggal_lahir", AnswerValue.Text("30/02/2020")).result
                assertTrue("$result", result is AnswerResult.Invalid)
            }
        }
    }
}
