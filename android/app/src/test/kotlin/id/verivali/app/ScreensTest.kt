package id.verivali.app

import android.app.Activity
import android.widget.EditText
import android.widget.RadioButton
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.io.File

/**
 * The screens drawn by Android's own renderer (Robolectric's native graphics) into PNG files, for
 * people to look at (`-Dverivali.screenshots`, default the build folder). A test fails when a
 * screen draws nothing: a single colour from edge to edge.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class, qualifiers = "in-rID-w360dp-h720dp-xhdpi")
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class ScreensTest {
    @Before
    fun provisioned() = TestDevice.provision()

    private fun capture(activity: Activity, name: String): File = TestDevice.capture(activity, name)

    @Test
    fun the_setup_screen() {
        val setup = Robolectric.buildActivity(ProvisionActivity::class.java).setup().get()
        TestDevice.views(TestDevice.content(setup), EditText::class.java)[0].setText(TestDevice.receiver)
        capture(setup, "1-setup")
    }

    @Test
    fun the_household_list() {
        val list = Robolectric.buildActivity(HouseholdListActivity::class.java).setup().get()
        TestDevice.app().lock.tryUnlock(TestDevice.PIN, TestDevice.app().getSharedPreferences(VerivaliApp.PREFS, 0).getString("pin", null)!!)
        TestDevice.idleUntil("the households") {
            TestDevice.texts(list).isNotEmpty() &&
                TestDevice.views(TestDevice.content(list), android.widget.ListView::class.java).single().adapter.count > 0
        }
        TestDevice.dialog()?.dismiss()
        capture(list, "2-households")
    }

    @Test
    fun the_first_screens_of_a_visit() {
        val intent = android.content.Intent(TestDevice.app(), InterviewActivity::class.java)
            .putExtra(InterviewActivity.HOUSEHOLD, "5271011009000001")
        val visit = Robolectric.buildActivity(InterviewActivity::class.java, intent).setup().get()
        TestDevice.idleUntil("the first screen") { TestDevice.texts(visit).size > 2 }
        capture(visit, "3-visit-first-screen")
        var steps = 0
        while (TestDevice.views(TestDevice.content(visit), RadioButton::class.java).none { it.text.startsWith("Tidak ditemukan") || it.text.startsWith("Not found") }) {
            val before = TestDevice.texts(visit)
            TestDevice.button(visit, id.verivali.shell.Word.NEXT.text(TestDevice.app().language)).performClick()
            TestDevice.idleUntil("the next screen") { TestDevice.texts(visit) != before }
            if (++steps > 10) throw AssertionError("no status question in the first ten screens")
        }
        capture(visit, "4-visit-status")
    }

    @Test
    fun the_outbox() {
        val outbox = Robolectric.buildActivity(OutboxActivity::class.java).setup().get()
        TestDevice.idleUntil("the outbox") { TestDevice.texts(outbox).isNotEmpty() }
        capture(outbox, "5-outbox")
    }

    /** The list opened from the returns notification: filtered to what the pengawas returned. */
    @Test
    fun the_household_list_filtered_to_returned() {
        Pengawas.returnedVisit("5271011009000013")
        TestDevice.runUploadJob()
        val app = TestDevice.app()
        app.lock.tryUnlock(TestDevice.PIN, app.getSharedPreferences(VerivaliApp.PREFS, 0).getString("pin", null)!!)
        val intent = android.content.Intent(app, HouseholdListActivity::class.java)
            .putExtra(HouseholdListActivity.FILTER, id.verivali.shell.HouseholdStatus.RETURNED.name)
        val list = Robolectric.buildActivity(HouseholdListActivity::class.java, intent).setup().get()
        TestDevice.idleUntil("the returned household") {
            TestDevice.views(TestDevice.content(list), android.widget.ListView::class.java).single().adapter.count == 1
        }
        capture(list, "6-households-returned")
    }

    /** A returned visit on its reason's screen: the banner, and the comment under the question. */
    @Test
    fun a_returned_visit_with_the_pengawas_comments() {
        val returned = Pengawas.returnedVisit("5271011009000014")
        TestDevice.runUploadJob()
        val intent = android.content.Intent(TestDevice.app(), InterviewActivity::class.java)
            .putExtra(InterviewActivity.INTERVIEW, returned)
        val visit = Robolectric.buildActivity(InterviewActivity::class.java, intent).setup().get()
        val comment = "Komentar pengawas / Pengawas's comment: ${Pengawas.REASON_COMMENT}"
        TestDevice.idleUntil("the visit's screen") { TestDevice.texts(visit).size > 2 }
        var steps = 0
        while (comment !in TestDevice.texts(visit)) {
            val back = TestDevice.views(TestDevice.content(visit), android.widget.Button::class.java)
                .firstOrNull { it.text == id.verivali.shell.Word.BACK.text(TestDevice.app().language) }
                ?: throw AssertionError("no screen with the reason's comment")
            val before = TestDevice.texts(visit)
            back.performClick()
            TestDevice.idleUntil("the screen before") { TestDevice.texts(visit) != before }
            if (++steps > 200) throw AssertionError("no screen with the reason's comment in 200")
        }
        capture(visit, "7-returned-interview")
    }
}
