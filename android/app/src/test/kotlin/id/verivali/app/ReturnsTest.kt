package id.verivali.app

import android.app.Activity
import android.app.Notification
import android.app.NotificationManager
import android.content.Context
import android.content.DialogInterface
import android.content.Intent
import android.graphics.drawable.ColorDrawable
import android.widget.Button
import android.widget.EditText
import android.widget.ListView
import android.widget.Spinner
import android.widget.TextView
import id.verivali.core.InterviewStatus
import id.verivali.core.UploadState
import id.verivali.shell.HouseholdStatus
import id.verivali.shell.Word
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/**
 * A pengawas's return on the phone (issue 17): the upload job brings it back and says so, the
 * list's "returned" filter shows it, the visit shows the comments, and the corrected visit,
 * finalized again, goes out as an edit that waits for the pengawas.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class ReturnsTest {
    private val household = "5271011009000012"
    private val app get() = TestDevice.app()
    private val lang get() = app.language

    @Before
    fun provisionedAndUnlocked() {
        TestDevice.provision()
        val stored = app.getSharedPreferences(VerivaliApp.PREFS, 0).getString("pin", null)!!
        assertTrue(app.lock.tryUnlock(TestDevice.PIN, stored))
    }

    private fun returnsNotification(): Notification? {
        val manager = app.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        return shadowOf(manager).allNotifications.firstOrNull {
            it.extras.getCharSequence(Notification.EXTRA_TITLE).toString().contains("dikembalikan pengawas")
        }
    }

    /** The household list as [intent] opens it, once its lines satisfy [loaded]. */
    private fun householdList(
        intent: Intent = Intent(app, HouseholdListActivity::class.java),
        loaded: (ListView) -> Boolean,
    ): ActivityController<HouseholdListActivity> {
        val controller = Robolectric.buildActivity(HouseholdListActivity::class.java, intent).setup()
        TestDevice.idleUntil("the household list") { loaded(lines(controller.get())) }
        return controller
    }

    private fun lines(list: Activity): ListView = TestDevice.views(TestDevice.content(list), ListView::class.java).single()

    private fun lineTexts(list: Activity): List<String> =
        lines(list).adapter.let { adapter -> (0 until adapter.count).map { adapter.getItem(it).toString() } }

    private fun filteredToReturned(): Intent =
        Intent(app, HouseholdListActivity::class.java).putExtra(HouseholdListActivity.FILTER, HouseholdStatus.RETURNED.name)

    /** Taps the list's first line and opens the visit it asks for. */
    private fun openFirstLine(list: Activity): Activity {
        val view = lines(list)
        assertTrue(view.performItemClick(null, 0, 0))
        val started = shadowOf(list).nextStartedActivity ?: throw AssertionError("tapping the line opened nothing")
        assertEquals(InterviewActivity::class.java.name, started.component?.className)
        val visit = Robolectric.buildActivity(InterviewActivity::class.java, started).setup().get()
        TestDevice.idleUntil("the visit's screen") { TestDevice.texts(visit).size > 2 }
        return visit
    }

    /** Goes back to the start, then on, until [found] holds on the visit's screen. */
    private fun walkUntil(visit: Activity, what: String, found: () -> Boolean) {
        fun step(word: Word): Boolean {
            val button = TestDevice.views(TestDevice.content(visit), Button::class.java)
                .firstOrNull { it.text == word.text(lang) } ?: return false
            val before = TestDevice.texts(visit)
            button.performClick()
            TestDevice.idleUntil("the screen after ${word.name}") { TestDevice.texts(visit) != before }
            return true
        }
        var steps = 0
        while (!found() && step(Word.BACK)) if (++steps > 200) break
        while (!found()) {
            if (!step(Word.NEXT) || ++steps > 400) throw AssertionError("no $what on any screen")
        }
    }

    private fun commentLine(text: String) = "Komentar pengawas / Pengawas's comment: $text"

    private fun isReasonLabel(text: String) =
        text.startsWith("Alasan rumah tangga tidak ditemukan") || text.startsWith("Why the household was not found")

    @Test
    fun an_uploaded_interview_the_pengawas_returned_comes_back_with_the_upload_job_and_is_notified_with_its_count() {
        val returned = Pengawas.returnedVisit(household)
        TestDevice.runUploadJob()
        val notification = returnsNotification() ?: throw AssertionError("no notification of the return")
        val title = notification.extras.getCharSequence(Notification.EXTRA_TITLE).toString()
        assertTrue(title, title.startsWith("1 wawancara dikembalikan pengawas untuk dikoreksi / "))
        assertTrue(title, title.endsWith("1 interview returned by the pengawas for correction"))
        val summary = app.core.interviews().single { it.interviewId == returned }
        assertTrue(summary.returnedByPengawas)
        assertEquals(InterviewStatus.RETURNED, summary.status)

        // Tapping it opens the list filtered to the returned ones: this visit, marked.
        val tap = shadowOf(notification.contentIntent).savedIntent
        assertEquals(HouseholdListActivity::class.java.name, tap.component?.className)
        val list = householdList(tap) { it.adapter.count > 0 }.get()
        val filter = TestDevice.views(TestDevice.content(list), Spinner::class.java).single()
        assertEquals(HouseholdStatus.RETURNED.ordinal + 1, filter.selectedItemPosition)
        val shown = lineTexts(list)
        assertEquals(1, shown.size)
        assertTrue(shown.single(), shown.single().startsWith(household))
        assertTrue(shown.single(), shown.single().endsWith("Dikembalikan pengawas / Returned by the pengawas"))
    }

    @Test
    fun fetching_again_brings_no_second_notification_and_the_unfiltered_list_marks_the_returned_household() {
        Pengawas.returnedVisit(household)
        assertEquals(1, app.core.fetchReturns(TestDevice.receiver, TestDevice.token).reopened.size)
        TestDevice.runUploadJob()
        assertEquals("a return already applied is not news", null, returnsNotification())
        val list = householdList { lines -> (0 until lines.adapter.count).any { lines.adapter.getItem(it).toString().startsWith(household) } }.get()
        val marked = lineTexts(list).filter { it.contains("Dikembalikan pengawas") }
        assertEquals(1, marked.size)
        assertTrue(marked.single().startsWith(household))
    }

    @Test
    fun a_returned_visit_opened_from_the_list_shows_the_banner_and_each_comment_right_under_its_question_label() {
        val returned = Pengawas.returnedVisit(household)
        TestDevice.runUploadJob()
        val visit = openFirstLine(householdList(filteredToReturned()) { it.adapter.count == 1 }.get())
        assertEquals(returned, visit.intent.getStringExtra(InterviewActivity.INTERVIEW))

        val banner = TestDevice.texts(visit).firstOrNull { it.startsWith("Dikembalikan pengawas untuk dikoreksi") }
            ?: throw AssertionError("no banner among ${TestDevice.texts(visit)}")
        assertTrue(banner, banner.contains("• ${Pengawas.NOTE}"))
        assertTrue(banner, banner.contains("2 pertanyaan diberi komentar"))

        val comment = commentLine(Pengawas.REASON_COMMENT)
        walkUntil(visit, "comment on the reason") { comment in TestDevice.texts(visit) }
        val views = TestDevice.views(TestDevice.content(visit), TextView::class.java)
        val at = views.indexOfFirst { it.text.toString() == comment }
        assertTrue("the label right above the comment: ${views[at - 1].text}", isReasonLabel(views[at - 1].text.toString()))
        assertTrue("the comment stands out from its label", views[at].background is ColorDrawable && views[at - 1].background == null)
        val field = views.drop(at + 1).filterIsInstance<EditText>().first()
        assertEquals("Pindah ke luar kota", field.text.toString())
        assertEquals("one comment per commented question", 1, TestDevice.texts(visit).count { it == comment })
    }

    @Test
    fun the_corrected_visit_finalized_again_goes_out_as_an_edit_that_waits_for_the_pengawas_and_leaves_the_returned_filter() {
        val returned = Pengawas.returnedVisit(household)
        TestDevice.runUploadJob()
        val controller = householdList(filteredToReturned()) { it.adapter.count == 1 }
        val visit = openFirstLine(controller.get())

        walkUntil(visit, "the reason field") { TestDevice.views(TestDevice.content(visit), TextView::class.java).any { isReasonLabel(it.text.toString()) } }
        val field = TestDevice.views(TestDevice.content(visit), EditText::class.java).first { it.text.toString() == "Pindah ke luar kota" }
        field.setText("Pindah ke Surabaya sejak Juni 2026")
        TestDevice.idleUntil("the correction saved") {
            app.core.interview(returned).submissionXml().contains("Pindah ke Surabaya sejak Juni 2026")
        }
        walkUntil(visit, "the Finalize button") {
            TestDevice.views(TestDevice.content(visit), Button::class.java).any { it.text == Word.FINALIZE.text(lang) }
        }
        finalizeGivingReasons(visit)
        val summary = app.core.interviews().single { it.interviewId == returned }
        assertEquals(InterviewStatus.FINALIZED, summary.status)
        assertFalse(summary.returnedByPengawas)

        TestDevice.runUploadJob()
        val edit = app.core.outboxStatus().single { it.interviewId == returned }
        assertEquals(UploadState.SENT, edit.state)
        assertEquals("the correction replaces the returned submission", returned, edit.deprecatedId)
        assertNotEquals(returned, edit.instanceId)
        val correction = Pengawas.queueRow(edit.instanceId) ?: throw AssertionError("the correction is not in the pengawas's queue")
        assertEquals("waiting", correction.getString("state"))
        assertEquals(returned, correction.getString("corrects"))
        assertNull("the returned version gave way to its correction", Pengawas.queueRow(returned))

        // Back on the list, the returned filter no longer shows it.
        controller.pause().resume()
        TestDevice.idleUntil("the returned filter emptied") { lines(controller.get()).adapter.count == 0 }
    }

    /** Taps Finalize, gives each warning a reason, and waits until the visit closes. */
    private fun finalizeGivingReasons(visit: Activity) {
        TestDevice.button(visit, Word.FINALIZE.text(lang)).performClick()
        TestDevice.idleUntil("finalize to answer") { TestDevice.dialog() != null || visit.isFinishing }
        var reasons = 0
        while (!visit.isFinishing) {
            val dialog = TestDevice.dialog() ?: break
            val input = TestDevice.views(dialog.window!!.decorView, EditText::class.java).singleOrNull()
                ?: throw AssertionError("finalize was refused: ${shadowOf(dialog).message}")
            input.setText("Dicek ulang bersama ketua RT")
            dialog.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
            if (++reasons > 20) throw AssertionError("reasons asked without end")
            TestDevice.idleUntil("the next warning or the end") { TestDevice.dialog() != dialog || visit.isFinishing }
        }
        TestDevice.idleUntil("the visit finalized") { visit.isFinishing }
    }
}
