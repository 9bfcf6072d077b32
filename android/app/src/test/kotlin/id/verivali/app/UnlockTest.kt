package id.verivali.app

import android.content.DialogInterface
import android.widget.EditText
import android.widget.ListView
import android.widget.Spinner
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/** The household list: the PIN first, every time the screen is made; then search and filter. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class UnlockTest {
    @Before
    fun provisioned() = TestDevice.provision()

    private fun enterPin(pin: String) {
        val dialog = TestDevice.dialog() ?: throw AssertionError("no PIN dialog")
        TestDevice.views(dialog.window!!.decorView, EditText::class.java).single().setText(pin)
        dialog.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
    }

    @Test
    fun the_list_asks_for_the_pin_and_a_wrong_one_asks_again() {
        Robolectric.buildActivity(HouseholdListActivity::class.java).setup()
        TestDevice.idleUntil("the PIN dialog") { TestDevice.dialog() != null }
        enterPin("1234")
        TestDevice.idleUntil("the PIN asked again") { TestDevice.dialog() != null }
        enterPin(TestDevice.PIN)
        TestDevice.idleUntil("the list unlocked") { TestDevice.dialog() == null }
    }

    @Test
    fun turning_the_phone_while_locked_still_asks_for_the_pin() {
        val controller = Robolectric.buildActivity(HouseholdListActivity::class.java).setup()
        TestDevice.idleUntil("the PIN dialog") { TestDevice.dialog() != null }
        controller.recreate()
        TestDevice.idleUntil("the PIN dialog after the rotation") { TestDevice.dialog() != null }
        enterPin(TestDevice.PIN)
        TestDevice.idleUntil("the list unlocked") { TestDevice.dialog() == null }
        // Unlocked, a rotation keeps it unlocked: the same person, the same moment.
        controller.recreate()
        Thread.sleep(100)
        TestDevice.idleUntil("the screen rebuilt") { true }
        assertNull("no second PIN for a rotation after unlocking", TestDevice.dialog())
    }

    @Test
    fun search_and_the_status_filter_narrow_the_list() {
        val list = Robolectric.buildActivity(HouseholdListActivity::class.java).setup().get()
        TestDevice.idleUntil("the PIN dialog") { TestDevice.dialog() != null }
        enterPin(TestDevice.PIN)
        val rows = TestDevice.views(TestDevice.content(list), ListView::class.java).single()
        TestDevice.idleUntil("the first page of households") { rows.adapter.count > 0 }
        val search = TestDevice.views(TestDevice.content(list), EditText::class.java).first()
        search.setText("5271011009000001")
        TestDevice.idleUntil("one household") { rows.adapter.count == 1 }
        assertTrue(rows.adapter.getItem(0).toString().startsWith("5271011009000001"))
        // Nothing was visited yet: "not visited" shows every household, "draft" none.
        search.setText("")
        val filter = TestDevice.views(TestDevice.content(list), Spinner::class.java).single()
        filter.setSelection(1)
        TestDevice.idleUntil("every household not visited") { rows.adapter.count == 50 }
        filter.setSelection(2)
        TestDevice.idleUntil("no drafts") { rows.adapter.count == 0 }
        assertNotNull(filter.selectedItem)
        assertEquals(2, filter.selectedItemPosition)
    }
}
