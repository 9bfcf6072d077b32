package id.verivali.app

import android.app.Activity
import android.app.AlertDialog
import android.app.job.JobParameters
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import id.verivali.core.AnswerValue
import id.verivali.shell.DeviceSettings
import id.verivali.shell.FinalizeStep
import id.verivali.shell.Provisioning
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.fakes.RoboMenu
import org.robolectric.shadows.ShadowDialog
import java.io.File

/**
 * What the app's Robolectric tests share: the loopback receiver, waiting for the core, finding
 * views, a finalized visit and the upload job.
 */
object TestDevice {
    /** The `verivali serve` run-tests.sh started, with the DTKS form and the sample prelist. */
    val receiver: String get() = System.getProperty("verivali.receiver") ?: error("-Dverivali.receiver is not set")
    val token: String get() = System.getProperty("verivali.token") ?: error("-Dverivali.token is not set")
    /** A pengawas's token on the same receiver, for the team's interviews ([token] is an enumerator's). */
    val pengawasToken: String get() = System.getProperty("verivali.pengawasToken") ?: error("-Dverivali.pengawasToken is not set")
    const val PIN = "2580"

    fun app(): VerivaliApp = RuntimeEnvironment.getApplication() as VerivaliApp

    /** Settings and a PIN as the setup screen saves them, without the download; a [pengawas]'s phone, or a pencacah's. */
    fun saveSettings(pin: String = PIN, pengawas: Boolean = false, token: String = this.token) {
        FakeAndroidKeyStore.install()
        app().saveSettings(
            DeviceSettings(receiver, token, "Robolectric", listOf("52"), false, pengawas),
            Provisioning.hashPin(pin),
        )
    }

    /** A provisioned phone: settings, a PIN, and the form and prelist from the receiver. */
    fun provision(pin: String = PIN, pengawas: Boolean = false) {
        saveSettings(pin, pengawas)
        app().core.syncDown(receiver, token, null)
    }

    /** The titles [activity]'s options menu offers. */
    fun menu(activity: Activity): List<String> {
        val menu = RoboMenu(activity)
        if (!activity.onCreateOptionsMenu(menu)) return emptyList()
        return (0 until menu.size()).map { menu.getItem(it).title.toString() }
    }

    /** A "not found" visit (status 3, with its reason) to [household], finalized through the presentation layer. */
    fun finalizedVisit(household: String): String {
        val visit = app().enumeration.open(VerivaliApp.FORM_ID, household)
        visit.answer("/data/status_keberadaan", AnswerValue.Choice("3"))
        visit.answer("/data/alasan_tidak_ditemukan", AnswerValue.Text("Pindah ke luar kota"))
        var step = visit.finalize()
        while (step is FinalizeStep.NeedReasons) {
            step.warnings.forEach { visit.confirm(it, "Dicek bersama ketua RT") }
            step = visit.finalize()
        }
        assertEquals(FinalizeStep.Done, step)
        return visit.interview.id()
    }

    /** Runs the upload job as JobScheduler would and waits until it says it finished. */
    fun runUploadJob(): UploadJobService {
        val service = Robolectric.buildService(UploadJobService::class.java).create().get()
        val constructor = JobParameters::class.java.declaredConstructors.maxByOrNull { it.parameterCount }!!
        constructor.isAccessible = true
        val arguments: List<Any?> = constructor.parameterTypes.map { type ->
            when (type) {
                Int::class.javaPrimitiveType -> 52
                Boolean::class.javaPrimitiveType -> false
                Long::class.javaPrimitiveType -> 0L
                else -> null
            }
        }
        val params = constructor.newInstance(*arguments.toTypedArray<Any?>()) as JobParameters
        assertTrue("the job works on", service.onStartJob(params))
        idleUntil("the upload job to finish") { shadowOf(service).isJobFinished }
        return service
    }

    /**
     * Runs the main looper until [condition] holds: the core works on its own thread and hands
     * results back through the main looper, as on a phone.
     */
    fun idleUntil(what: String, timeoutMs: Long = 30_000, condition: () -> Boolean) {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            if (condition()) return
            if (System.currentTimeMillis() > deadline) throw AssertionError("timed out waiting for $what")
            Thread.sleep(20)
        }
    }

    /**
     * Waits until every core call made so far has handed its result back to the screen: the
     * core's executor runs calls in order and the main looper their results, so a no-op queued
     * now comes back after them. (A saved answer is in the store before its screen is drawn.)
     */
    fun settle() {
        var done = false
        app().executor.run({ }) { done = true }
        idleUntil("the screen to catch up with the core") { done }
    }

    /** Every view under [root] of [type], in layout order. */
    fun <T : View> views(root: View, type: Class<T>): List<T> {
        val found = mutableListOf<T>()
        fun walk(view: View) {
            if (type.isInstance(view)) found += type.cast(view)
            if (view is ViewGroup) for (i in 0 until view.childCount) walk(view.getChildAt(i))
        }
        walk(root)
        return found
    }

    fun content(activity: Activity): View = activity.findViewById(android.R.id.content)

    /** The button labelled [label] (its whole text, or the part before " / "). */
    fun button(activity: Activity, label: String): Button =
        views(content(activity), Button::class.java).firstOrNull { it.text.toString() == label }
            ?: throw AssertionError("no button '$label' among ${views(content(activity), Button::class.java).map { it.text }}")

    fun texts(activity: Activity): List<String> =
        views(content(activity), TextView::class.java).map { it.text.toString() }

    /**
     * Draws [activity]'s window with Android's own renderer (under `@GraphicsMode(NATIVE)`) into
     * `NAME.png` (`-Dverivali.screenshots`, default the build folder), 360×720 dp at xhdpi. Fails
     * when the screen draws nothing: a single colour from edge to edge.
     */
    fun capture(activity: Activity, name: String): File {
        val root: View = activity.window.decorView
        val width = 720
        val height = 1440
        root.measure(
            View.MeasureSpec.makeMeasureSpec(width, View.MeasureSpec.EXACTLY),
            View.MeasureSpec.makeMeasureSpec(height, View.MeasureSpec.EXACTLY),
        )
        root.layout(0, 0, width, height)
        val bitmap = Bitmap.createBitmap(width, height, Bitmap.Config.ARGB_8888)
        Canvas(bitmap).apply { drawColor(Color.WHITE) }.also { root.draw(it) }
        val pixels = IntArray(width * height).also { bitmap.getPixels(it, 0, width, 0, 0, width, height) }
        assertTrue("$name draws something", pixels.toSet().size > 2)
        val dir = File(System.getProperty("verivali.screenshots") ?: "build/screens").apply { mkdirs() }
        val file = File(dir, "$name.png")
        file.outputStream().use { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }
        return file
    }

    /** The dialog showing now, if any. */
    fun dialog(): AlertDialog? = (ShadowDialog.getLatestDialog() as? AlertDialog)?.takeIf { it.isShowing }
}
