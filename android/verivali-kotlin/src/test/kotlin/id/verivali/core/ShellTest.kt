package id.verivali.core

import id.verivali.shell.CoreExecutor
import id.verivali.shell.DeviceSettings
import id.verivali.shell.Enumeration
import id.verivali.shell.FinalizeStep
import id.verivali.shell.Provisioning
import id.verivali.shell.UiLanguage
import id.verivali.shell.UploadPolicy
import id.verivali.shell.WidgetSpec
import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The presentation layer the Android activities use (`id.verivali.shell`), against the
 * host-built core: widget specs for every question kind of the DTKS form, a whole interview
 * through the same wrappers, the upload policy and provisioning checks.
 */
class ShellTest {
    private val miniForm = Fixtures.miniForm
    private val dtksForm = Fixtures.dtksForm

    private fun store(form: File): Verivali = Fixtures.provisioned(form)

    @Test
    fun everyQuestionOfTheDtksFormMapsToTheWidgetItsKindNeeds() {
        store(dtksForm).use { store ->
            val visit = Enumeration(store, UiLanguage.ID).start("dtks_verivali", "5271011009000001")
            visit.answer("/data/status_keberadaan", AnswerValue.Choice("1"))
            val seen = mutableMapOf<InputKind, MutableSet<String>>()
            var view = visit.interview.screen()
            while (true) {
                for (q in view.questions) {
                    val spec = WidgetSpec.of(q, UiLanguage.ID)
                    seen.getOrPut(q.kind) { mutableSetOf() } += spec::class.simpleName!!
                    when (q.kind) {
                        InputKind.GEOPOINT -> {
                            spec as WidgetSpec.Location
                            assertEquals(10.0, spec.captureAccuracyM, 0.0)
                            assertEquals(50.0, spec.warningAccuracyM, 0.0)
                        }
                        InputKind.SELECT_ONE -> assertEquals(
                            q.reference, q.choices.size > WidgetSpec.RADIO_LIMIT, (spec as WidgetSpec.SingleChoice).searchable,
                        )
                        else -> {}
                    }
                }
                if (!view.canGoForward) break
                view = visit.interview.next()
            }
            val expected = mapOf(
                InputKind.TEXT to "TextField", InputKind.INTEGER to "TextField", InputKind.DATE to "DateField",
                InputKind.SELECT_ONE to "SingleChoice", InputKind.PHOTO to "Photo", InputKind.GEOPOINT to "Location",
            )
            for ((kind, widget) in expected) {
                assertEquals("$kind", setOf(widget), seen[kind])
            }
            assertTrue("every kind has one widget: $seen", seen.values.all { it.size == 1 })
        }
    }

    @Test
    fun aWholeInterviewRunsThroughTheWrappersFromSearchToFinalize() {
        store(miniForm).use { store ->
            val done = CountDownLatch(1)
            val executor = CoreExecutor { it.run() }
            var outcome: FinalizeStep? = null
            executor.run({
                val enumeration = Enumeration(store, UiLanguage.EN)
                val row = enumeration.search("5271011009000001").single()
                val visit = enumeration.start("mini_verivali", row.idDtks)
                assertEquals("Required", visit.answer("/data/status_keberadaan", AnswerValue.Empty).refusal)
                val tap = visit.answer("/data/status_keberadaan", AnswerValue.Choice("4"))
                assertNull(tap.refusal)
                assertEquals("one call per tap: the screen came with it", visit.screen(), tap.screen)
                var screen = visit.screen()
                while (screen.canGoForward) screen = visit.next()
                assertFalse(screen.finalized)
                visit.finalize()
            }) { result ->
                outcome = result.getOrThrow()
                done.countDown()
            }
            assertTrue(done.await(30, TimeUnit.SECONDS))
            executor.shutdown()
            assertEquals(FinalizeStep.Done, outcome)
            assertEquals(UploadState.QUEUED, store.outboxStatus().single().state)
        }
    }

    private fun entry(state: UploadState, next: Long? = null, reason: String? = null) =
        OutboxEntry("uuid:x", "uuid:x", null, state, 1u, next, reason)

    @Test
    fun theUploadJobIsScheduledWhenSomethingWaitsOrMayComeBackAndSaysWhatHappened() {
        assertFalse(UploadPolicy.plan(emptyList(), 0, false).schedule)
        // Only sent interviews: a later run looks for returns from the pengawas.
        val check = UploadPolicy.plan(listOf(entry(UploadState.SENT)), 0, false)
        assertTrue(check.schedule)
        assertEquals(UploadPolicy.RETURNS_CHECK_MS, check.delayMs)
        assertEquals(0L, UploadPolicy.plan(listOf(entry(UploadState.QUEUED)), 1_000, true).delayMs)
        val later = UploadPolicy.plan(listOf(entry(UploadState.RETRY_LATER, next = 61_000)), 1_000, true)
        assertTrue(later.schedule && later.unmeteredOnly)
        assertEquals(60_000L, later.delayMs)

        val offline = UploadSummary(0u, 2u, 0u, 0uL, false)
        val after = UploadPolicy.afterRun(
            offline, listOf(entry(UploadState.RETRY_LATER), entry(UploadState.RETRY_LATER)), UiLanguage.ID,
        )
        assertTrue(after.retryWithBackoff)
        assertEquals("0 terkirim, 2 menunggu sinyal.", after.notification)
        val refused = UploadPolicy.afterRun(
            UploadSummary(0u, 0u, 1u, 10uL, false),
            listOf(entry(UploadState.NEEDS_PERSON, reason = "Token ditolak / The token was refused")),
            UiLanguage.EN,
        )
        assertTrue(refused.needsPerson && !refused.retryWithBackoff)
        assertEquals("The token was refused", refused.notification)
        assertNull(UploadPolicy.afterRun(UploadSummary(0u, 0u, 0u, 0uL, false), emptyList(), UiLanguage.EN).notification)
    }

    @Test
    fun provisioningNamesTheFieldThatIsWrongAndPinsAreSaltedHashes() {
        val line = "verivali://setup?server=https%3A%2F%2Fdtks.example.go.id&token=abcdefgh12&enumerator=Ayu&area=52.71"
        val fields = Provisioning.parseSetupLine(line)
        val ok = Provisioning.validate(fields["server"]!!, fields["token"]!!, fields["enumerator"]!!, fields["area"]!!, false)
        assertEquals(listOf("52.71"), (ok as Provisioning.Result.Ok).settings.areas)
        val bad = Provisioning.validate("http://example.com", "abcdefgh12", "Ayu", "52.71", false)
        assertEquals("server", (bad as Provisioning.Result.Invalid).field)
        assertEquals("area", (Provisioning.validate("https://x.id", "abcdefgh12", "Ayu", "Mataram", false) as Provisioning.Result.Invalid).field)
        assertEquals(null, Provisioning.pinProblem("2580"))
        assertTrue(Provisioning.pinProblem("1111") != null && Provisioning.pinProblem("12a4") != null)
        val stored = Provisioning.hashPin("2580")
        assertTrue(Provisioning.pinMatches("2580", stored))
        assertFalse(Provisioning.pinMatches("2581", stored))
    }

    @Test
    fun aSetupLineMakesAPengawassPhoneOnlyWhenItSaysSoAndAnUnknownRoleIsRefused() {
        val line = "verivali://setup?server=https%3A%2F%2Fdtks.example.go.id&token=abcdefgh12&enumerator=Ayu&area=52.71"
        fun role(tail: String) = Provisioning.role(Provisioning.parseSetupLine(line + tail))
        assertEquals(Provisioning.Role.Ok(pengawas = true), role("&role=pengawas"))
        assertEquals(Provisioning.Role.Ok(pengawas = false), role("&role=pencacah"))
        assertEquals("no role: a pencacah's phone, as before roles", Provisioning.Role.Ok(pengawas = false), role(""))
        assertEquals("an empty role is none", Provisioning.Role.Ok(pengawas = false), role("&role="))
        assertEquals("as typed into a line by hand", Provisioning.Role.Ok(pengawas = true), role("&role=%20Pengawas"))
        val refused = Provisioning.Role.Invalid("Peran harus pengawas atau pencacah / The role must be pengawas or pencacah")
        assertEquals(refused, role("&role=ketua"))
        assertEquals("never read as a pencacah", refused, role("&role=supervisor"))

        val pengawas = Provisioning.validate("https://x.id", "abcdefgh12", "Pak Budi", "52.71", false, pengawas = true)
        assertTrue((pengawas as Provisioning.Result.Ok).settings.pengawas)
        val pencacah = Provisioning.validate("https://x.id", "abcdefgh12", "Ayu", "52.71", true)
        assertFalse((pencacah as Provisioning.Result.Ok).settings.pengawas)
        assertFalse("the settings made before roles read as a pencacah's", DeviceSettings("https://x.id", "abcdefgh12", "Ayu", listOf("52"), true).pengawas)
    }

    @Test
    fun aPengawassPhoneRunsTheJobNowAndThenWithNothingOfItsOwnToSend() {
        val team = UploadPolicy.plan(emptyList(), 0, true, pengawas = true)
        assertTrue(team.schedule && team.unmeteredOnly)
        assertEquals(UploadPolicy.RETURNS_CHECK_MS, team.delayMs)
        assertEquals(0L, UploadPolicy.plan(listOf(entry(UploadState.QUEUED)), 1_000, false, pengawas = true).delayMs)
        assertFalse(UploadPolicy.plan(emptyList(), 0, false, pengawas = false).schedule)
    }

    @Test
    fun theFormIsShownInTheDevicesLanguage() {
        val languages = listOf("Bahasa Indonesia", "English")
        assertEquals("English", UiLanguage.fromTag("en-US").formLanguage(languages))
        assertEquals("Bahasa Indonesia", UiLanguage.fromTag("in-ID").formLanguage(languages))
        assertEquals(UiLanguage.ID, UiLanguage.fromTag("jv"))
    }
}

class HouseholdFilterTest {
    private fun visit(id: String?, status: InterviewStatus, upload: UploadState? = null, byPengawas: Boolean = false) =
        InterviewSummary("uuid:$id$status", id, status, upload, byPengawas)

    @Test
    fun aHouseholdTakesTheStatusOfItsNewestVisit() {
        val statuses = id.verivali.shell.HouseholdFilter.byHousehold(
            listOf(
                visit("A", InterviewStatus.FINALIZED, UploadState.RETRY_LATER),
                visit("A", InterviewStatus.DRAFT),
                visit("B", InterviewStatus.FINALIZED, UploadState.SENT),
                visit("C", InterviewStatus.RETURNED, UploadState.SENT, byPengawas = true),
                visit(null, InterviewStatus.DRAFT),
            ),
        )
        assertEquals(id.verivali.shell.HouseholdStatus.WAITING, statuses["A"])
        assertEquals(id.verivali.shell.HouseholdStatus.SENT, statuses["B"])
        assertEquals(id.verivali.shell.HouseholdStatus.RETURNED, statuses["C"])
        assertTrue(id.verivali.shell.HouseholdFilter.matches("D", id.verivali.shell.HouseholdStatus.NOT_VISITED, statuses))
        assertFalse(id.verivali.shell.HouseholdFilter.matches("B", id.verivali.shell.HouseholdStatus.DRAFT, statuses))
    }
}

class SharingTest {
    @Test
    fun aBundleIsSharedByNameWithItsCountsInTheDevicesLanguage() {
        val info = BundleInfo("/data/cache/bundles/verivali-1764288000000.vvbundle", 8u, 21u, 0u, 0u, 858_662uL)
        val bahasa = id.verivali.shell.Sharing.bundle(info, id.verivali.shell.UiLanguage.ID)
        assertEquals("android.intent.action.SEND", bahasa.action)
        assertEquals("verivali-1764288000000.vvbundle", bahasa.fileName)
        assertEquals("Bundel Verivali: 8 wawancara", bahasa.subject)
        assertTrue(bahasa.text.contains("21 foto") && bahasa.text.contains("839 KB"))
        val en = id.verivali.shell.Sharing.bundle(info, id.verivali.shell.UiLanguage.EN)
        assertTrue(en.text.startsWith("8 interviews, 21 photos"))
    }

    @Test
    fun aPengawasBundleSaysHowManyDecisionsItCarries() {
        val info = BundleInfo("/data/cache/bundles/verivali-1764288000001.vvbundle", 0u, 0u, 2u, 0u, 4_096uL)
        val bahasa = id.verivali.shell.Sharing.bundle(info, id.verivali.shell.UiLanguage.ID)
        assertEquals("Bundel Verivali: 0 wawancara, 2 keputusan pengawas", bahasa.subject)
        assertTrue(bahasa.text, bahasa.text.startsWith("0 wawancara, 0 foto, 2 keputusan pengawas, 4 KB."))
        val en = id.verivali.shell.Sharing.bundle(info, id.verivali.shell.UiLanguage.EN)
        assertEquals("Verivali bundle: 0 interviews, 2 pengawas decisions", en.subject)
    }
}
