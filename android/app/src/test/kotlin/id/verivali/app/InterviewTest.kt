package id.verivali.app

import android.app.Activity
import android.content.DialogInterface
import android.content.Intent
import android.provider.MediaStore
import android.widget.Button
import android.widget.EditText
import android.widget.RadioButton
import id.verivali.shell.Word
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/** A visit through the views, as a person taps and types: answers saved as they change, reasons, the photo. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = VerivaliApp::class)
class InterviewTest {
    @Before
    fun provisioned() = TestDevice.provision()

    private val lang get() = TestDevice.app().language

    private fun visit(household: String?): ActivityController<InterviewActivity> {
        val intent = Intent(TestDevice.app(), InterviewActivity::class.java).putExtra(InterviewActivity.HOUSEHOLD, household)
        val controller = Robolectric.buildActivity(InterviewActivity::class.java, intent).setup()
        TestDevice.idleUntil("the first screen") { TestDevice.texts(controller.get()).size > 2 }
        return controller
    }

    /** Taps Next until [found] holds on the screen (at most [limit] screens). */
    private fun nextUntil(activity: Activity, what: String, limit: Int = 30, found: () -> Boolean) {
        var steps = 0
        while (!found()) {
            val before = TestDevice.texts(activity)
            TestDevice.button(activity, Word.NEXT.text(lang)).performClick()
            TestDevice.idleUntil("the next screen") { TestDevice.texts(activity) != before }
            if (++steps > limit) throw AssertionError("no $what in $limit screens")
        }
    }

    private fun radio(activity: Activity, label: String): RadioButton? =
        TestDevice.views(TestDevice.content(activity), RadioButton::class.java).firstOrNull { it.text.toString() == label }

    /** The household-status choices as the DTKS form words them, by code. */
    private fun statusLabel(code: String): String {
        val (indonesian, english) = when (code) {
            "2" -> "Ditemukan, ada update" to "Found, with updates"
            "3" -> "Tidak ditemukan" to "Not found"
            "5" -> "Ditemukan ganda" to "Found, duplicate"
            else -> throw IllegalArgumentException("no label for status $code in these tests")
        }
        return if (lang == id.verivali.shell.UiLanguage.EN) english else indonesian
    }

    /** Walks to the status question, chooses [code] as a person taps it, and waits until it is saved. */
    private fun chooseStatus(activity: Activity, code: String, household: String? = null) {
        val label = statusLabel(code)
        nextUntil(activity, "status question") { radio(activity, label) != null }
        radio(activity, label)!!.performClick()
        TestDevice.idleUntil("status $code saved") {
            currentXml(household).contains("<status_keberadaan>$code</status_keberadaan>")
        }
        // The screen after the answer (the questions it makes relevant) is drawn once the core hands it back.
        TestDevice.settle()
    }

    /** The first field a person can type in, once [nextUntil] has reached a screen with one. */
    private fun typeableField(activity: Activity): EditText? =
        TestDevice.views(TestDevice.content(activity), EditText::class.java).firstOrNull { it.isEnabled }

    /** The button whose label starts with [label] (photo and location buttons carry their state after it). */
    private fun buttonStarting(activity: Activity, label: String): Button? =
        TestDevice.views(TestDevice.content(activity), Button::class.java).firstOrNull { it.text.startsWith(label) }

    /** The instance of the visit to [household] (default: the only visit), as saved in the store. */
    private fun currentXml(household: String? = null): String {
        val app = TestDevice.app()
        val visits = app.core.interviews()
        val id = (if (household == null) visits.single() else visits.single { it.idDtks == household }).interviewId
        return app.core.interview(id).submissionXml()
    }

    @Test
    fun a_typed_answer_is_saved_as_it_is_typed_without_leaving_the_field() {
        val controller = visit("5271011009000002")
        val activity = controller.get()
        // The visit date: a date field says what to type.
        nextUntil(activity, "a date field") {
            TestDevice.views(TestDevice.content(activity), EditText::class.java).any { it.hint?.toString() == "YYYY-MM-DD" }
        }
        TestDevice.views(TestDevice.content(activity), EditText::class.java).first { it.hint?.toString() == "YYYY-MM-DD" }
            .setText("2026-12-07")
        TestDevice.idleUntil("the date saved") { currentXml().contains("2026-12-07") }
        chooseStatus(activity, "3")
        nextUntil(activity, "reason field") {
            typeableField(activity) != null
        }
        val field = typeableField(activity)!!
        field.requestFocus()
        field.setText("Pindah ke Mataram")
        TestDevice.idleUntil("the typed reason saved") { currentXml().contains("Pindah ke Mataram") }
        assertTrue(
            "the field typed in is still on screen (updated in place, not redrawn)",
            TestDevice.views(TestDevice.content(activity), EditText::class.java).any { it === field },
        )

        // The screen made again (a rotation, or the process back after being killed) resumes the
        // draft where it was, with what was typed.
        controller.recreate()
        TestDevice.idleUntil("the draft reopened where it was") {
            TestDevice.views(TestDevice.content(controller.get()), EditText::class.java)
                .any { it.text.toString() == "Pindah ke Mataram" }
        }
        assertEquals(1, TestDevice.app().core.interviews().size)
    }

    @Test
    fun each_warning_needs_a_reason_and_a_blank_one_is_refused_with_a_message() {
        // A duplicate (status 5) of a household none of whose members match: a warning (ADR 0009).
        val controller = visit("5271011009000003")
        val activity = controller.get()
        chooseStatus(activity, "5")
        nextUntil(activity, "the duplicate's ID DTKS") {
            typeableField(activity) != null
        }
        typeableField(activity)!!.setText("5271011009000010")
        TestDevice.idleUntil("the duplicate's ID saved") { currentXml().contains("5271011009000010") }
        // The last screen offers Finalize.
        val sections = TestDevice.button(activity, Word.SECTIONS.text(lang))
        assertNotNull(sections)
        nextUntil(activity, "the Finalize button", limit = 200) {
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text == Word.FINALIZE.text(lang) }
        }
        TestDevice.button(activity, Word.FINALIZE.text(lang)).performClick()
        TestDevice.idleUntil("finalize to answer") { TestDevice.dialog() != null || activity.isFinishing }
        var reasons = 0
        while (!activity.isFinishing) {
            val dialog = TestDevice.dialog() ?: break
            val message = shadowOf(dialog).message?.toString() ?: ""
            val input = TestDevice.views(dialog.window!!.decorView, EditText::class.java).singleOrNull()
            if (input == null) throw AssertionError("finalize was refused: $message")
            if (reasons == 0) {
                input.setText("  ")
                dialog.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
                TestDevice.idleUntil("the blank reason refused") { TestDevice.dialog() != null }
                val again = shadowOf(TestDevice.dialog()!!).message.toString()
                assertTrue(again, again.contains("alasan") || again.contains("reason"))
                reasons++
                continue
            }
            input.setText("Rumah sudah permanen dan ada usaha warung")
            dialog.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
            reasons++
            TestDevice.idleUntil("the next warning or the end") { TestDevice.dialog() != dialog || activity.isFinishing }
        }
        TestDevice.idleUntil("the visit finalized") { activity.isFinishing }
        assertTrue("at least one warning asked for its reason ($reasons dialogs)", reasons >= 2)
        assertEquals("FINALIZED", TestDevice.app().core.interviews().single().status.name)
    }

    @Test
    fun the_camera_is_asked_for_a_photo_through_the_private_provider_and_the_photo_is_attached() {
        // Declared in the manifest on a phone; Robolectric runs without our manifest here.
        Robolectric.setupContentProvider(PhotoProvider::class.java, PhotoProvider.AUTHORITY)
        val controller = visit("5271011009000004")
        val activity = controller.get()
        chooseStatus(activity, "2")
        val takePhoto = Word.TAKE_PHOTO.text(lang)
        nextUntil(activity, "a photo question", limit = 200) {
            buttonStarting(activity, takePhoto) != null
        }
        buttonStarting(activity, takePhoto)!!.performClick()
        val camera = shadowOf(activity).nextStartedActivityForResult
        assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, camera.intent.action)
        @Suppress("DEPRECATION")
        val output = camera.intent.getParcelableExtra<android.net.Uri>(MediaStore.EXTRA_OUTPUT)!!
        assertEquals("id.verivali.app.photos", output.authority)
        assertTrue("the camera app may write there", camera.intent.flags and Intent.FLAG_GRANT_WRITE_URI_PERMISSION != 0)
        // The camera app writes its JPEG where it was told, then answers RESULT_OK.
        val photos = java.io.File(System.getProperty("verivali.photos") ?: error("-Dverivali.photos is not set"))
        val target = activity.contentResolver.openOutputStream(output)!!
        target.use { it.write(java.io.File(photos, "exif-6.jpg").readBytes()) }
        shadowOf(activity).receiveResult(camera.intent, Activity.RESULT_OK, null)
        TestDevice.idleUntil("the photo attached") {
            buttonStarting(activity, takePhoto)?.text?.endsWith("✓") == true
        }
        assertTrue(currentXml().contains(".jpg"))
    }

    @Test
    fun gps_fixes_are_judged_by_the_core_a_poor_one_advised_and_a_good_one_ends_the_listening() {
        val app = TestDevice.app()
        shadowOf(app).grantPermissions(android.Manifest.permission.ACCESS_FINE_LOCATION)
        val manager = app.getSystemService(android.content.Context.LOCATION_SERVICE) as android.location.LocationManager
        shadowOf(manager).setProviderEnabled(android.location.LocationManager.GPS_PROVIDER, true)
        val controller = visit("5271011009000005")
        val activity = controller.get()
        chooseStatus(activity, "2")
        val getLocation = Word.GET_LOCATION.text(lang)
        nextUntil(activity, "the location question", limit = 200) {
            buttonStarting(activity, getLocation) != null
        }
        buttonStarting(activity, getLocation)!!.performClick()
        fun fix(accuracy: Float) = android.location.Location(android.location.LocationManager.GPS_PROVIDER).apply {
            latitude = -8.5833
            longitude = 116.1167
            this.accuracy = accuracy
            time = System.currentTimeMillis()
            elapsedRealtimeNanos = android.os.SystemClock.elapsedRealtimeNanos()
        }
        val listening = { shadowOf(manager).getLocationUpdateListeners().isNotEmpty() }
        TestDevice.idleUntil("listening for fixes") { listening() }
        // A poor fix: the core refuses it with advice, and the listening goes on.
        val before = TestDevice.texts(activity)
        shadowOf(manager).simulateLocation(fix(250f))
        TestDevice.idleUntil("the advice for a poor fix") { TestDevice.texts(activity) != before }
        assertTrue("still listening after a poor fix", listening())
        // A good fix, a few seconds later (the listening asks for one fix a second), is saved and
        // ends the listening.
        shadowOf(android.os.Looper.getMainLooper()).idleFor(java.time.Duration.ofSeconds(3))
        shadowOf(manager).simulateLocation(fix(4f))
        TestDevice.idleUntil("the good fix saved") { currentXml().contains("-8.5833") }
        TestDevice.idleUntil("the listening stopped") { !listening() }
    }

    private fun members(): Int = Regex("<members>").findAll(currentXml()).count()

    @Test
    fun a_section_is_reached_from_the_list_and_members_are_added_and_removed() {
        val controller = visit("5271011009000006")
        val activity = controller.get()
        chooseStatus(activity, "2")
        // The section list jumps straight to the members.
        TestDevice.button(activity, Word.SECTIONS.text(lang)).performClick()
        val sections = TestDevice.dialog() ?: throw AssertionError("no section list")
        val items = (0 until sections.listView.adapter.count).map { sections.listView.adapter.getItem(it).toString() }
        val membersAt = items.indexOfFirst { it.contains("Anggota") || it.contains("member", ignoreCase = true) || it.contains("ART") }
        assertTrue("a members section among $items", membersAt >= 0)
        val before = TestDevice.texts(activity)
        shadowOf(sections).clickOnItem(membersAt)
        TestDevice.idleUntil("the members section") { TestDevice.texts(activity) != before }
        // After the last member comes "add another?".
        val add = Word.ADD_MEMBER.text(lang)
        nextUntil(activity, "the add-member question", limit = 300) {
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text == add }
        }
        val count = members()
        TestDevice.button(activity, add).performClick()
        TestDevice.idleUntil("a member added") { members() == count + 1 }
        val remove = Word.REMOVE_MEMBER.text(lang)
        TestDevice.idleUntil("the new member's screen") {
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text == remove }
        }
        TestDevice.button(activity, remove).performClick()
        TestDevice.idleUntil("the member removed") { members() == count }
    }

    @Test
    fun a_long_list_is_searched_and_an_answer_that_breaks_a_rule_shows_its_message_under_the_question() {
        val controller = visit("5271011009000007")
        val activity = controller.get()
        chooseStatus(activity, "5")
        nextUntil(activity, "the duplicate's ID DTKS") {
            typeableField(activity) != null
        }
        // Its own ID as the duplicate's breaks the form's rule: the message shows under the field.
        val field = typeableField(activity)!!
        field.setText("5271011009000007")
        TestDevice.idleUntil("the rule's message") {
            TestDevice.texts(activity).any { it.contains("harus berbeda") || it.contains("must differ") }
        }
        field.setText("5271011009000010")
        TestDevice.idleUntil("the message gone") {
            TestDevice.texts(activity).none { it.contains("harus berbeda") || it.contains("must differ") }
        }

        // A visit of a household found with updates goes through the housing block: the floor list is long.
        val other = visit("5271011009000008").get()
        chooseStatus(other, "2", "5271011009000008")
        // A number: the floor area, on the number keyboard.
        nextUntil(other, "a number field", limit = 60) {
            TestDevice.views(TestDevice.content(other), EditText::class.java)
                .any { it.isEnabled && it.inputType == android.text.InputType.TYPE_CLASS_NUMBER }
        }
        TestDevice.views(TestDevice.content(other), EditText::class.java)
            .first { it.isEnabled && it.inputType == android.text.InputType.TYPE_CLASS_NUMBER }.setText("36")
        TestDevice.idleUntil("the number saved") { currentXml("5271011009000008").contains(">36</") }
        val searchHint = Word.SEARCH_CHOICE.text(lang)
        nextUntil(other, "a searchable list", limit = 60) {
            TestDevice.views(TestDevice.content(other), EditText::class.java).any { it.hint?.toString() == searchHint }
        }
        val search = TestDevice.views(TestDevice.content(other), EditText::class.java).first { it.hint?.toString() == searchHint }
        val shownBefore = TestDevice.views(TestDevice.content(other), RadioButton::class.java).size
        search.setText("kayu")
        val narrowed = TestDevice.views(TestDevice.content(other), RadioButton::class.java)
        assertTrue("fewer choices after searching ($shownBefore → ${narrowed.size})", narrowed.size in 1 until shownBefore)
        assertTrue(narrowed.all { it.text.toString().lowercase().contains("kayu") || it.isChecked })
        narrowed.first().performClick()
        TestDevice.idleUntil("the choice saved") { narrowed.first().isChecked }
    }
}
