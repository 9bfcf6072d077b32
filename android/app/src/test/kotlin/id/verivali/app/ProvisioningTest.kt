package id.verivali.app

import android.app.Activity
import android.content.ClipData
import android.content.ClipboardManager
import android.content.Context
import android.widget.CheckBox
import android.widget.EditText
import id.verivali.shell.Team
import id.verivali.shell.Word
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * A new phone: sent to setup, the setup line pasted (a pengawas's phone when the line says so), a
 * PIN chosen, the form and prelist downloaded; the household list's menu then offers what the
 * role needs.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class ProvisioningTest {
    @Before
    fun keyStore() = FakeAndroidKeyStore.install()

    @Test
    fun a_new_phone_opens_on_the_setup_screen() {
        val list = Robolectric.buildActivity(HouseholdListActivity::class.java).setup().get()
        val next = shadowOf(list).nextStartedActivity
        assertEquals(ProvisionActivity::class.java.name, next.component?.className)
        assertTrue("the list closes itself", list.isFinishing)
    }

    private val line = "verivali://setup?server=${TestDevice.receiver}&token=${TestDevice.token}&enumerator=Ani%20Lestari&area=52"

    /** The setup screen after [line] was pasted from the clipboard. */
    private fun pasted(line: String): Activity {
        val clipboard = TestDevice.app().getSystemService(Context.CLIPBOARD_SERVICE) as ClipboardManager
        clipboard.setPrimaryClip(ClipData.newPlainText("setup", line))
        val setup = Robolectric.buildActivity(ProvisionActivity::class.java).setup().get()
        TestDevice.button(setup, "Tempel / Paste").performClick()
        return setup
    }

    private fun pengawasBox(setup: Activity): CheckBox =
        TestDevice.views(TestDevice.content(setup), CheckBox::class.java).single { it.text.toString() == "Pengawas" }

    /** Types the PIN, saves, and waits for the household list the setup screen opens. */
    private fun save(setup: Activity) {
        TestDevice.views(TestDevice.content(setup), EditText::class.java)[4].setText(TestDevice.PIN)
        TestDevice.button(setup, Word.SAVE.text(TestDevice.app().language)).performClick()
        TestDevice.idleUntil("the household list to open") { shadowOf(setup).peekNextStartedActivity() != null }
        assertEquals(HouseholdListActivity::class.java.name, shadowOf(setup).nextStartedActivity.component?.className)
    }

    private fun householdMenu(): List<String> =
        TestDevice.menu(Robolectric.buildActivity(HouseholdListActivity::class.java).setup().get())

    @Test
    fun the_pasted_setup_line_fills_the_fields_and_saving_downloads_the_form_and_the_prelist() {
        val app = TestDevice.app()
        val setup = pasted(line)
        val fields = TestDevice.views(TestDevice.content(setup), EditText::class.java)
        assertEquals(
            listOf(TestDevice.receiver, TestDevice.token, "Ani Lestari", "52"),
            fields.take(4).map { it.text.toString() },
        )
        assertFalse("a line without a role: an enumerator's phone", pengawasBox(setup).isChecked)
        save(setup)
        assertEquals("Ani Lestari", app.settings()?.enumerator)
        assertFalse(app.settings()!!.pengawas)
        assertEquals("the prelist came with the form", 200uL, app.core.householdCount())
        // An enumerator hands bundles over too, and reviews no team.
        val menu = householdMenu()
        assertTrue(menu.toString(), Team.BUNDLES in menu)
        assertFalse(menu.toString(), Team.TITLE in menu)
    }

    @Test
    fun a_setup_line_with_the_role_pengawas_makes_a_pengawas_phone_whose_menu_offers_the_team() {
        val app = TestDevice.app()
        val setup = pasted("$line&role=pengawas")
        assertTrue(pengawasBox(setup).isChecked)
        save(setup)
        assertTrue("the saved settings say pengawas", app.settings()!!.pengawas)
        assertEquals(listOf(Team.TITLE, Team.BUNDLES), householdMenu())
    }

    @Test
    fun a_setup_line_with_an_unknown_role_is_refused_in_words_and_nothing_is_saved() {
        val app = TestDevice.app()
        val setup = pasted("$line&role=ketua")
        assertTrue(
            TestDevice.texts(setup).toString(),
            "Peran harus pengawas atau pencacah / The role must be pengawas or pencacah" in TestDevice.texts(setup),
        )
        val fields = TestDevice.views(TestDevice.content(setup), EditText::class.java)
        assertEquals("none of the line is filled in", listOf("", "", "", ""), fields.take(4).map { it.text.toString() })
        assertFalse(pengawasBox(setup).isChecked)
        fields[4].setText(TestDevice.PIN)
        TestDevice.button(setup, Word.SAVE.text(app.language)).performClick()
        assertNull("nothing saved", app.settings())
        assertNull(shadowOf(setup).peekNextStartedActivity())
    }

    @Test
    fun a_wrong_server_or_an_easy_pin_is_shown_and_nothing_is_saved() {
        val app = TestDevice.app()
        val setup = Robolectric.buildActivity(ProvisionActivity::class.java).setup().get()
        val fields = TestDevice.views(TestDevice.content(setup), EditText::class.java)
        fields[0].setText("http://example.org")
        fields[1].setText("a-long-token")
        fields[2].setText("Ani")
        fields[3].setText("52")
        fields[4].setText("2580")
        val save = TestDevice.button(setup, Word.SAVE.text(app.language))
        save.performClick()
        assertTrue(TestDevice.texts(setup).any { it.contains("https://") })
        fields[0].setText(TestDevice.receiver)
        fields[4].setText("1111")
        save.performClick()
        assertTrue(TestDevice.texts(setup).any { it.contains("PIN") })
        assertNull("nothing saved", app.settings())
        assertTrue(TestDevice.views(TestDevice.content(setup), CheckBox::class.java).isNotEmpty())
    }
}
