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

    private fun currentXml(): String {
        val app = TestDevice.app()
        val id = app.core.interviews().single().interviewId
        return app.core.interview(id).submissionXml()
    }

    @Test
    fun a_typed_answer_is_saved_as_it_is_typed_without_leaving_the_field() {
        val controller = visit("5271011009000002")
        val activity = controller.get()
        val notFound = if (lang == id.verivali.shell.UiLanguage.EN) "Not found" else "Tidak ditemukan"
        nextUntil(activity, "status question") { radio(activity, notFound) != null }
        radio(activity, notFound)!!.performClick()
        TestDevice.idleUntil("status 3 saved") { currentXml().contains("<status_keberadaan>3</status_keberadaan>") }
        nextUntil(activity, "reason field") {
            TestDevice.views(TestDevice.content(activity), EditText::class.java).any { it.isEnabled }
        }
        val field = TestDevice.views(TestDevice.content(activity), EditText::class.java).first { it.isEnabled }
        field.requestFocus()
        field.setText("Pindah ke Mataram")
        TestDevice.idleUntil("the typed reason saved") { currentXml().contains("Pindah ke Mataram") }
        assertTrue(
            "the field typed in is still on screen (updated in place, not redrawn)",
            TestDevice.views(TestDevice.content(activity), EditText::class.java).any { it === field },
        )

        // The screen made again (a rotation, or the process back after being killed) resumes the draft.
        controller.recreate()
        TestDevice.idleUntil("the draft reopened") { TestDevice.texts(controller.get()).size > 2 }
        assertEquals(1, TestDevice.app().core.interviews().size)
    }

    @Test
    fun each_warning_needs_a_reason_and_a_blank_one_is_refused_with_a_message() {
        // A duplicate (status 5) of a household none of whose members match: a warning (ADR 0009).
        val controller = visit("5271011009000003")
        val activity = controller.get()
        val duplicate = if (lang == id.verivali.shell.UiLanguage.EN) "Found, duplicate" else "Ditemukan ganda"
        nextUntil(activity, "status question") { radio(activity, duplicate) != null }
        radio(activity, duplicate)!!.performClick()
        TestDevice.idleUntil("status 5 saved") { currentXml().contains("<status_keberadaan>5</status_keberadaan>") }
        nextUntil(activity, "the duplicate's ID DTKS") {
            TestDevice.views(TestDevice.content(activity), EditText::class.java).any { it.isEnabled }
        }
        TestDevice.views(TestDevice.content(activity), EditText::class.java).first { it.isEnabled }.setText("5271011009000010")
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
        val withUpdates = if (lang == id.verivali.shell.UiLanguage.EN) "Found, with updates" else "Ditemukan, ada update"
        nextUntil(activity, "status question") { radio(activity, withUpdates) != null }
        radio(activity, withUpdates)!!.performClick()
        TestDevice.idleUntil("status 2 saved") { currentXml().contains("<status_keberadaan>2</status_keberadaan>") }
        val takePhoto = Word.TAKE_PHOTO.text(lang)
        nextUntil(activity, "a photo question", limit = 200) {
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text.startsWith(takePhoto) }
        }
        TestDevice.views(TestDevice.content(activity), Button::class.java).first { it.text.startsWith(takePhoto) }.performClick()
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
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text.startsWith(takePhoto) && it.text.endsWith("✓") }
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
        val withUpdates = if (lang == id.verivali.shell.UiLanguage.EN) "Found, with updates" else "Ditemukan, ada update"
        nextUntil(activity, "status question") { radio(activity, withUpdates) != null }
        radio(activity, withUpdates)!!.performClick()
        TestDevice.idleUntil("status 2 saved") { currentXml().contains("<status_keberadaan>2</status_keberadaan>") }
        val getLocation = Word.GET_LOCATION.text(lang)
        nextUntil(activity, "the location question", limit = 200) {
            TestDevice.views(TestDevice.content(activity), Button::class.java).any { it.text.startsWith(getLocation) }
        }
        TestDevice.views(TestDevice.content(activity), Button::class.java).first { it.text.startsWith(getLocation) }.performClick()
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
}
