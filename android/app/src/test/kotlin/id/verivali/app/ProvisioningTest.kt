package id.verivali.app

import android.content.ClipData
import android.content.ClipboardManager
import android.content.Context
import android.widget.CheckBox
import android.widget.EditText
import id.verivali.shell.Word
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/** A new phone: sent to setup, the setup line pasted, a PIN chosen, the form and prelist downloaded. */
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

    @Test
    fun the_pasted_setup_line_fills_the_fields_and_saving_downloads_the_form_and_the_prelist() {
        val app = TestDevice.app()
        val clipboard = app.getSystemService(Context.CLIPBOARD_SERVICE) as ClipboardManager
        val line = "verivali://setup?server=${TestDevice.receiver}&token=${TestDevice.token}&enumerator=Ani%20Lestari&area=52"
        clipboard.setPrimaryClip(ClipData.newPlainText("setup", line))
        val setup = Robolectric.buildActivity(ProvisionActivity::class.java).setup().get()
        TestDevice.button(setup, "Tempel / Paste").performClick()
        val fields = TestDevice.views(TestDevice.content(setup), EditText::class.java)
        assertEquals(
            listOf(TestDevice.receiver, TestDevice.token, "Ani Lestari", "52"),
            fields.take(4).map { it.text.toString() },
        )
        fields[4].setText("2580")
        TestDevice.button(setup, Word.SAVE.text(app.language)).performClick()
        TestDevice.idleUntil("the household list to open") { shadowOf(setup).peekNextStartedActivity() != null }
        assertEquals(HouseholdListActivity::class.java.name, shadowOf(setup).nextStartedActivity.component?.className)
        assertEquals("Ani Lestari", app.settings()?.enumerator)
        assertEquals("the prelist came with the form", 200uL, app.core.householdCount())
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
