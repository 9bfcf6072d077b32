package id.verivali.app

import android.app.Activity
import android.app.Notification
import android.app.NotificationManager
import android.content.Context
import android.content.DialogInterface
import android.content.Intent
import android.net.Uri
import android.text.Spanned
import android.text.style.StrikethroughSpan
import android.widget.Button
import android.widget.EditText
import android.widget.ImageView
import android.widget.ListView
import android.widget.TextView
import id.verivali.core.AnswerValue
import id.verivali.core.GeopointInput
import id.verivali.shell.FinalizeStep
import id.verivali.shell.Sharing
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
import org.robolectric.annotation.GraphicsMode
import org.robolectric.fakes.RoboMenu
import java.io.File

/**
 * The pengawas in a blank spot (issue 18), as two phones and the people holding them would do
 * it, without any network between them: the keys read from one screen and typed into the other,
 * the enumerator's bundle shared and received through the share sheet's intent, the team's
 * interview reviewed and returned with a comment on its status question, the pengawas's bundle
 * opened on the enumerator's phone, and the interview there returned with that comment under its
 * question, as a return from the server shows. Draws the team screens into PNGs. Then the same
 * phone with signal: the team's interviews fetched from the receiver by the upload job and by the
 * team list's button with a pengawas's token, and refused in words with an enumerator's.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [36], application = TwoPhones::class, qualifiers = "in-rID-w360dp-h720dp-xhdpi")
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class TeamTest {
    private val phones get() = TestDevice.app() as TwoPhones
    private val household = "5271011009000014"
    private val passphrase = "sandi-tim-2026"

    @Before
    fun twoProvisionedPhones() {
        // The settings say pengawas (the team's screens); the token stays the enumerator's.
        TestDevice.provision(pengawas = true)
        on(TwoPhones.Phone.ENUMERATOR) { phones.core.syncDown(TestDevice.receiver, TestDevice.token, null) }
        val stored = phones.getSharedPreferences(VerivaliApp.PREFS, 0).getString("pin", null)!!
        assertTrue(phones.lock.tryUnlock(TestDevice.PIN, stored))
        // Declared in the manifest on a phone; Robolectric runs without our manifest here.
        Robolectric.setupContentProvider(PhotoProvider::class.java, PhotoProvider.AUTHORITY)
    }

    /** Hands both phones' screens to [phone] once the one before has caught up with its core. */
    private fun <T> on(phone: TwoPhones.Phone, work: () -> T): T {
        TestDevice.settle()
        phones.phone = phone
        return work()
    }

    /**
     * The enumerator's visit: the household duplicates another (status 5, a warning confirmed
     * with a reason), the head's name corrected against the prelist, the house photographed and
     * located; finalized through the presentation layer. Gives the interview's id.
     */
    private fun enumeratorVisit(): String {
        val visit = phones.enumeration.open(VerivaliApp.FORM_ID, household)
        assertNull(visit.answer(STATUS, AnswerValue.Choice("5")).refusal)
        assertNull(visit.answer("/data/id_dtks_ganda", AnswerValue.Text("5271011009000002")).refusal)
        assertNull(visit.answer("/data/members[1]/nama", AnswerValue.Text("Nyoman Suarta")).refusal)
        val photos = File(System.getProperty("verivali.photos") ?: error("-Dverivali.photos is not set"))
        val camera = File.createTempFile("camera", ".jpg").apply { writeBytes(File(photos, "exif-6.jpg").readBytes()) }
        assertNull(visit.attachPhoto("/data/bukti/foto_depan_rumah", camera.path).refusal)
        visit.setLocation("/data/bukti/lokasi_rumah", GeopointInput(-8.5801, 116.1032, 12.0, 5.0))
        var step = visit.finalize()
        while (step is FinalizeStep.NeedReasons) {
            step.warnings.forEach { visit.confirm(it, REASON) }
            step = visit.finalize()
        }
        assertEquals(FinalizeStep.Done, step)
        return visit.id
    }

    /** The bundle screen as [intent] opens it, once it shows this phone's key. */
    private fun bundleScreen(intent: Intent = Intent(phones, BundleActivity::class.java)): Activity {
        val screen = Robolectric.buildActivity(BundleActivity::class.java, intent).setup().get()
        val key = Team.keyText(phones.core.signingPublicKey())
        TestDevice.idleUntil("this phone's key") { key in TestDevice.texts(screen) }
        return screen
    }

    /** Types the other phone's [key] as it was read out, in its groups over two lines, and whose it is. */
    private fun trust(screen: Activity, key: String, label: String, pengawas: Boolean = false) {
        val fields = TestDevice.views(TestDevice.content(screen), EditText::class.java)
        fields.single { it.hint.toString() == Team.KEY_HINT }.setText(Team.keyText(key))
        fields.single { it.hint.toString() == Team.LABEL_HINT }.setText(label)
        TestDevice.views(TestDevice.content(screen), android.widget.CheckBox::class.java)
            .single { it.text.toString() == Team.PENGAWAS_KEY }.isChecked = pengawas
        TestDevice.button(screen, Team.TRUST).performClick()
        TestDevice.idleUntil("$label's key trusted") {
            TestDevice.texts(screen).any { it.startsWith(label) && it.contains(" · ${key.take(4)}") }
        }
    }

    /** Types [text] into the dialog showing and confirms it. */
    private fun answerDialog(text: String) {
        TestDevice.idleUntil("a dialog") { TestDevice.dialog() != null }
        val dialog = TestDevice.dialog()!!
        TestDevice.views(dialog.window!!.decorView, EditText::class.java).single().setText(text)
        dialog.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
    }

    /** Taps "share", gives the passphrase, and takes the intent the share sheet was asked to send. */
    private fun shareBundle(screen: Activity): Intent {
        TestDevice.button(screen, Team.SHARE).performClick()
        answerDialog(passphrase)
        var chooser: Intent? = null
        // Other screens' starts (the household list's permission request) are passed over.
        TestDevice.idleUntil("the share sheet") {
            chooser = generateSequence { shadowOf(screen).nextStartedActivity }.firstOrNull { it.action == Intent.ACTION_CHOOSER }
            chooser != null
        }
        val send = chooser!!.getParcelableExtra(Intent.EXTRA_INTENT, Intent::class.java)!!
        assertEquals(Intent.ACTION_SEND, send.action)
        assertEquals(Sharing.BUNDLE_MIME, send.type)
        assertTrue("the receiving app may read it", send.flags and Intent.FLAG_GRANT_READ_URI_PERMISSION != 0)
        return send
    }

    private fun stream(send: Intent): Uri = send.getParcelableExtra(Intent.EXTRA_STREAM, Uri::class.java)!!

    /** The bundle screen opened by another app's [intent], the passphrase given, once the import's summary shows. */
    private fun imported(intent: Intent, summary: String): Activity {
        val screen = bundleScreen(intent)
        answerDialog(passphrase)
        TestDevice.idleUntil("the import's summary") {
            TestDevice.texts(screen).any { it.contains(summary) } || TestDevice.dialog() != null
        }
        TestDevice.dialog()?.let { throw AssertionError("the import was refused: ${shadowOf(it).message}") }
        return screen
    }

    private fun lines(list: Activity): ListView = TestDevice.views(TestDevice.content(list), ListView::class.java).single()

    /** The household list's menu item [title], tapped; gives the screen it opens. */
    private fun fromHouseholdMenu(title: String): Intent {
        val list = Robolectric.buildActivity(HouseholdListActivity::class.java).setup().get()
        val menu = RoboMenu(list)
        assertTrue(list.onCreateOptionsMenu(menu))
        val item = (0 until menu.size()).map { menu.getItem(it) }.single { it.title.toString() == title }
        assertTrue(list.onOptionsItemSelected(item))
        return shadowOf(list).nextStartedActivity ?: throw AssertionError("the menu item opened nothing")
    }

    private fun dialogMessage(): String {
        TestDevice.idleUntil("the refusal") { TestDevice.dialog() != null }
        val dialog = TestDevice.dialog()!!
        return shadowOf(dialog).message.toString().also { dialog.dismiss() }
    }

    @Test
    fun a_pengawas_returns_an_interview_offline_and_the_enumerators_phone_reopens_it_with_the_comment() {
        val visit = on(TwoPhones.Phone.ENUMERATOR) { enumeratorVisit() }
        val enumeratorKey = phones.core.signingPublicKey()
        val pengawasKey = on(TwoPhones.Phone.PENGAWAS) {
            // No household drawn for a back-check: the review shows every answer.
            phones.core.updateSettings(phones.core.settings().copy(backcheckPercent = 0u))
            phones.core.signingPublicKey()
        }

        // Each phone shows its key; each person types the other's.
        on(TwoPhones.Phone.PENGAWAS) { trust(bundleScreen(), enumeratorKey, "Siti (pencacah)") }
        val teamBundle = on(TwoPhones.Phone.ENUMERATOR) {
            val screen = bundleScreen()
            trust(screen, pengawasKey, "Pak Budi", pengawas = true)
            shareBundle(screen)
        }
        assertTrue(teamBundle.getStringExtra(Intent.EXTRA_SUBJECT)!!, teamBundle.getStringExtra(Intent.EXTRA_SUBJECT)!!.startsWith("Bundel Verivali: 1 wawancara"))

        // The pengawas's phone receives it from the share sheet.
        val received = Intent(phones, BundleActivity::class.java).setAction(Intent.ACTION_SEND)
            .setType(Sharing.BUNDLE_MIME).putExtra(Intent.EXTRA_STREAM, stream(teamBundle))
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        val importScreen = on(TwoPhones.Phone.PENGAWAS) {
            imported(received, "1 wawancara tim, 1 baru / 1 team interview, 1 new")
        }
        assertTrue(TestDevice.texts(importScreen).any { it.startsWith("Bundel dari Siti (pencacah) diimpor / Bundle from Siti (pencacah) imported") })
        TestDevice.capture(importScreen, "10-bundle-import")

        // The team list, from the household list's menu: what waits, with the sample's reasons in words.
        val opened = fromHouseholdMenu(Team.TITLE)
        assertEquals(TeamListActivity::class.java.name, opened.component?.className)
        val team = Robolectric.buildActivity(TeamListActivity::class.java, opened).setup().get()
        TestDevice.idleUntil("the team's interviews") { lines(team).adapter.count == 1 }
        val line = lines(team).adapter.getItem(0).toString()
        assertEquals(
            "$household · Siti (pencacah)\nStatus keberadaan 5 · Menunggu / Waiting\n" +
                "Alasan / Reasons: Status 5; Peringatan dikonfirmasi / Confirmed warning: status.5_no_match",
            line,
        )
        TestDevice.capture(team, "8-team-list")

        assertTrue(lines(team).performItemClick(null, 0, 0))
        val tapped = shadowOf(team).nextStartedActivity
        assertEquals(visit, tapped.getStringExtra(TeamInterviewActivity.INSTANCE))
        val review = Robolectric.buildActivity(TeamInterviewActivity::class.java, tapped).setup().get()
        TestDevice.idleUntil("the review") { Team.RETURN in TestDevice.views(TestDevice.content(review), Button::class.java).map { it.text.toString() } }
        val texts = TestDevice.texts(review)
        assertEquals("Wawancara / Interview $household", texts.first())
        assertTrue(texts.toString(), texts.any { it.endsWith("Alasan pencacah / Enumerator's reason: $REASON") })
        assertTrue(texts.toString(), texts.any { it.startsWith("Titik rumah / House point: -8.5801 116.1032") })
        assertTrue(texts.toString(), "Jarak / Distance: tidak diketahui / unknown" in texts)
        assertTrue("the photo is drawn", TestDevice.views(TestDevice.content(review), ImageView::class.java).any { it.drawable != null })
        // The corrected name, marked, with the prelist's struck through under it (first among the
        // changes at the top, then in its section).
        val views = TestDevice.views(TestDevice.content(review), TextView::class.java)
        assertEquals(2, views.count { it.text.toString() == "Nyoman Suarta" })
        assertTrue(texts.toString(), "1 perubahan terhadap prelist ditandai / 1 change against the prelist is marked" in texts)
        val name = views.indexOfFirst { it.text.toString() == "Nyoman Suarta" }
        assertTrue("the corrected name is marked", name > 0 && views[name].background != null)
        val prelist = views[name + 1].text
        assertEquals("Prelist: Nyoman", prelist.toString())
        val struck = (prelist as Spanned).getSpans(0, prelist.length, StrikethroughSpan::class.java).single()
        assertEquals("Nyoman", prelist.subSequence(prelist.getSpanStart(struck), prelist.getSpanEnd(struck)).toString())

        // A return needs a comment, and an approval takes none: the core's words, nothing recorded.
        TestDevice.button(review, Team.RETURN).performClick()
        assertEquals("Pengembalian perlu minimal satu komentar berisi / A return needs at least one comment with text", dialogMessage())
        val comment = TestDevice.views(TestDevice.content(review), EditText::class.java).single { it.tag == STATUS }
        assertEquals("${Team.COMMENT}: Status keberadaan rumah tangga", comment.contentDescription.toString())
        comment.setText(STATUS_COMMENT)
        TestDevice.button(review, Team.APPROVE).performClick()
        assertEquals("komentar hanya untuk pengembalian / comments are for a return only", dialogMessage())
        assertEquals("waiting", phones.core.teamInterviews().single().state)
        assertEquals("the typed comment stays", STATUS_COMMENT, comment.text.toString())
        TestDevice.capture(review, "9-team-interview")

        TestDevice.button(review, Team.RETURN).performClick()
        TestDevice.idleUntil("the return recorded") { Team.decided("returned") in TestDevice.texts(review) }
        assertFalse("decided: no more buttons", TestDevice.views(TestDevice.content(review), Button::class.java).any { it.text == Team.RETURN })
        assertEquals("returned", phones.core.teamInterviews().single().state)

        // The pengawas's bundle carries the return to the enumerator's phone, opened as a file.
        val decisions = on(TwoPhones.Phone.PENGAWAS) { shareBundle(bundleScreen()) }
        assertTrue(decisions.getStringExtra(Intent.EXTRA_SUBJECT)!!, decisions.getStringExtra(Intent.EXTRA_SUBJECT)!!.endsWith("1 keputusan pengawas"))
        val opened2 = Intent(phones, BundleActivity::class.java).setAction(Intent.ACTION_VIEW)
            .setDataAndType(stream(decisions), Sharing.BUNDLE_MIME)
        on(TwoPhones.Phone.ENUMERATOR) {
            imported(opened2, "1 wawancara dikembalikan pengawas untuk dikoreksi / 1 interview returned by the pengawas for correction")
        }
        val manager = phones.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        assertTrue(
            "the returns notification, as after a fetch",
            shadowOf(manager).allNotifications.any {
                it.extras.getCharSequence(Notification.EXTRA_TITLE).toString().startsWith("1 wawancara dikembalikan pengawas")
            },
        )
        val summary = phones.core.interviews().single { it.interviewId == visit }
        assertTrue(summary.returnedByPengawas)

        // The visit shows the banner, and the comment right under the status question's label.
        val intent = Intent(phones, InterviewActivity::class.java).putExtra(InterviewActivity.INTERVIEW, visit)
        val reopened = Robolectric.buildActivity(InterviewActivity::class.java, intent).setup().get()
        TestDevice.idleUntil("the visit's screen") { TestDevice.texts(reopened).size > 2 }
        val banner = TestDevice.texts(reopened).firstOrNull { it.startsWith("Dikembalikan pengawas untuk dikoreksi") }
            ?: throw AssertionError("no banner among ${TestDevice.texts(reopened)}")
        assertTrue(banner, banner.contains("1 pertanyaan diberi komentar"))
        val shown = "Komentar pengawas / Pengawas's comment: $STATUS_COMMENT"
        walkUntil(reopened, "the status question's comment") { shown in TestDevice.texts(reopened) }
        val labels = TestDevice.views(TestDevice.content(reopened), TextView::class.java)
        val at = labels.indexOfFirst { it.text.toString() == shown }
        assertTrue(labels[at - 1].text.toString(), labels[at - 1].text.startsWith("Status keberadaan rumah tangga"))
    }

    @Test
    fun a_bundle_from_a_key_not_trusted_is_refused_in_words_and_imports_once_the_key_is_added() {
        val enumeratorKey = on(TwoPhones.Phone.ENUMERATOR) {
            TestDevice.finalizedVisit(household)
            phones.core.signingPublicKey()
        }
        val bundle = phones.core.exportBundle(PhotoProvider.bundleDirectory(phones).path, passphrase)
        val received = Intent(phones, BundleActivity::class.java).setAction(Intent.ACTION_SEND)
            .setType(Sharing.BUNDLE_MIME).putExtra(Intent.EXTRA_STREAM, PhotoProvider.bundleUri(File(bundle.path).name))
        on(TwoPhones.Phone.PENGAWAS) {
            val screen = bundleScreen(received)
            assertTrue(TestDevice.texts(screen).contains(Team.NO_TRUSTED))
            answerDialog(passphrase)
            TestDevice.idleUntil("the refusal") { TestDevice.dialog() != null }
            val dialog = TestDevice.dialog()!!
            val message = shadowOf(dialog).message.toString()
            assertTrue(message, message.startsWith("bundel ditandatangani kunci ${enumeratorKey.take(16)}… yang tidak dipercaya ponsel ini"))
            assertTrue(message, message.contains(" / the bundle is signed by key"))
            assertTrue("the refusal stays on the screen", message in TestDevice.texts(screen))
            assertTrue(phones.core.teamInterviews().isEmpty())
            dialog.getButton(DialogInterface.BUTTON_NEGATIVE).performClick()

            // Once the key is added, the bundle refused is offered again: its passphrase, then imported.
            trust(screen, enumeratorKey, "Siti (pencacah)")
            answerDialog(passphrase)
            TestDevice.idleUntil("the import") { TestDevice.texts(screen).any { it.contains("1 wawancara tim, 1 baru") } }
            assertEquals(1, phones.core.teamInterviews().size)
        }
    }

    @Test
    fun a_wrong_passphrase_is_said_and_trying_again_asks_for_it_again() {
        val enumeratorKey = on(TwoPhones.Phone.ENUMERATOR) {
            TestDevice.finalizedVisit(household)
            phones.core.signingPublicKey()
        }
        val bundle = phones.core.exportBundle(PhotoProvider.bundleDirectory(phones).path, passphrase)
        val received = Intent(phones, BundleActivity::class.java).setAction(Intent.ACTION_VIEW)
            .setDataAndType(PhotoProvider.bundleUri(File(bundle.path).name), Sharing.BUNDLE_MIME)
        on(TwoPhones.Phone.PENGAWAS) {
            phones.core.trustSigningKey(enumeratorKey, "Siti (pencacah)")
            val screen = bundleScreen(received)
            answerDialog("bukan-sandinya")
            TestDevice.idleUntil("the refusal") { TestDevice.dialog()?.getButton(DialogInterface.BUTTON_POSITIVE)?.text?.toString() == Team.TRY_AGAIN }
            val refusal = TestDevice.dialog()!!
            assertEquals("berkas bukan bundel atau frasa sandi salah / not a bundle, or the wrong passphrase", shadowOf(refusal).message.toString())
            refusal.getButton(DialogInterface.BUTTON_POSITIVE).performClick()
            TestDevice.idleUntil("the passphrase asked again") { TestDevice.dialog().let { it != null && it != refusal } }
            answerDialog(passphrase)
            TestDevice.idleUntil("the import") { TestDevice.texts(screen).any { it.contains("1 wawancara tim, 1 baru") } }
        }
    }

    /** The team list on the pengawas's phone, once it shows what it holds. */
    private fun teamList(): Activity {
        val team = Robolectric.buildActivity(TeamListActivity::class.java).setup().get()
        TestDevice.settle()
        return team
    }

    /** Taps the fetch button and waits for what it says once the fetch returned. */
    private fun fetched(team: Activity): String {
        val fetch = TestDevice.button(team, Team.FETCH)
        fetch.performClick()
        assertFalse("one tap fetches once", fetch.isEnabled)
        assertTrue(Team.FETCHING in TestDevice.texts(team))
        TestDevice.idleUntil("the fetch to return") { fetch.isEnabled }
        TestDevice.settle()
        // What it says shows right under the button.
        val views = TestDevice.views(TestDevice.content(team), TextView::class.java)
        return views[views.indexOf(fetch) + 1].text.toString()
    }

    @Test
    fun fetching_with_a_token_that_is_not_a_pengawas_shows_the_servers_refusal_in_words_and_fetches_nothing() {
        val team = on(TwoPhones.Phone.PENGAWAS) { teamList() }
        assertTrue(TestDevice.texts(team).toString(), Team.NONE_HERE in TestDevice.texts(team))
        val said = fetched(team)
        assertTrue(said, said.startsWith("Server tidak mengenal token ini sebagai token pengawas"))
        assertTrue(said, said.contains(" / The server does not know this token as a pengawas's"))
        assertEquals("the list stays empty", 0, lines(team).adapter.count)
        assertTrue(phones.core.teamInterviews().isEmpty())
    }

    @Test
    fun a_pengawas_token_brings_the_teams_interviews_with_the_upload_job_and_the_fetch_button() {
        val first = "5271011009000016"
        val second = "5271011009000017"
        on(TwoPhones.Phone.ENUMERATOR) {
            TestDevice.finalizedVisit(first)
            assertEquals(1u, phones.core.uploadPending(TestDevice.receiver, TestDevice.token, 30_000uL, null, null).acknowledged)
        }
        on(TwoPhones.Phone.PENGAWAS) {
            // No household drawn for a back-check: the list shows each status.
            phones.core.updateSettings(phones.core.settings().copy(backcheckPercent = 0u))
            TestDevice.saveSettings(pengawas = true, token = TestDevice.pengawasToken)
            TestDevice.runUploadJob()
        }
        assertTrue("the job fetched it", phones.core.teamInterviews().any { it.household == first })

        on(TwoPhones.Phone.ENUMERATOR) {
            TestDevice.finalizedVisit(second)
            assertEquals(1u, phones.core.uploadPending(TestDevice.receiver, TestDevice.token, 30_000uL, null, null).acknowledged)
        }
        val team = on(TwoPhones.Phone.PENGAWAS) { teamList() }
        assertEquals(
            "only what came since the job's fetch",
            "1 wawancara tim dari server, 1 baru / 1 team interview from the server, 1 new",
            fetched(team),
        )
        val shown = (0 until lines(team).adapter.count).map { lines(team).adapter.getItem(it).toString() }
        assertTrue(shown.toString(), shown.any { it.startsWith("$second · ") && "Menunggu / Waiting" in it })
        assertTrue(shown.toString(), shown.any { it.startsWith("$first · ") })
    }

    /** Goes back to the start, then on, until [found] holds on the visit's screen. */
    private fun walkUntil(visit: Activity, what: String, found: () -> Boolean) {
        val lang = phones.language
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

    companion object {
        const val STATUS = "/data/status_keberadaan"
        const val STATUS_COMMENT = "Pastikan ID DTKS gandanya dengan ketua RT"
        const val REASON = "Dicek bersama ketua RT"
    }
}
