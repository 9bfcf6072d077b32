package id.verivali.core

import id.verivali.shell.DeviceSettings
import id.verivali.shell.Enumeration
import id.verivali.shell.FinalizeStep
import id.verivali.shell.Returns
import id.verivali.shell.Team
import id.verivali.shell.TeamDecision
import id.verivali.shell.TeamState
import id.verivali.shell.UiLanguage
import java.nio.file.Files
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The pengawas's phone (issue 18), as the team screens show it: the reasons and states in
 * the receiver's words, the list's order and filter, the review screen's marks, what a decision
 * sends, the import's summary and the key as people read it, on which phones the team's screens
 * show and what a fetch from the server says; then two real phones trading bundles, the
 * pengawas's return reopening the enumerator's interview, and a pengawas's phone fetching the
 * team's interviews from the receiver run-jvm-tests.sh started (an enumerator's token refused).
 */
class TeamTest {
    private val receiver = System.getProperty("verivali.receiver") ?: error("set -Dverivali.receiver")
    private val token = System.getProperty("verivali.token") ?: error("set -Dverivali.token")
    private val pengawasToken = System.getProperty("verivali.pengawasToken") ?: error("set -Dverivali.pengawasToken")

    private fun interview(
        id: String,
        state: String,
        reasons: List<String> = emptyList(),
        household: String? = "5271011009000001",
    ) = TeamInterview(id, "Siti", "dtks_verivali", household, "3", reasons, state, null, 1_796_000_000_000)

    private fun answer(
        reference: String,
        shown: String,
        prelist: String? = null,
        added: Boolean = false,
        before: String? = null,
    ) = ReviewAnswer(reference, "Label $reference", shown, shown, "text", prelist, added, before)

    private fun detail(
        state: String = "waiting",
        sections: List<ReviewSection> = emptyList(),
        findings: List<ReviewFinding> = emptyList(),
        house: String? = null,
        prelist: String? = null,
        distance: Double? = null,
        unreadable: String? = null,
    ) = TeamInterviewDetail(
        interview("uuid:a", state, listOf("status_3")), sections, emptyList(), findings, emptyList(),
        house, prelist, distance, unreadable,
    )

    @Test
    fun each_reason_reads_as_on_the_receivers_pages() {
        assertEquals("Status 4", Team.reasonLabel("status_4"))
        assertEquals("Ruta baru / New household", Team.reasonLabel("new_household"))
        assertEquals("Peringatan dikonfirmasi / Confirmed warning: nik.dob", Team.reasonLabel("warning:nik.dob"))
        assertEquals("Jauh dari titik prelist / Far from the prelist point", Team.reasonLabel("far_from_prelist"))
        assertEquals("Jauh dari titik prelist / Far from the prelist point (8123 m)", Team.reasonLabel("far_from_prelist (8123 m)"))
        assertEquals("Acak / Random", Team.reasonLabel("random"))
        assertEquals("Koreksi / Correction", Team.reasonLabel("correction"))
        assertEquals("something_new", Team.reasonLabel("something_new"))
        assertEquals("Status 3; Acak / Random", Team.reasonsText(listOf("status_3", "random")))
        assertEquals("-", Team.reasonsText(emptyList()))
    }

    @Test
    fun the_list_shows_what_waits_first_and_the_filter_keeps_one_state() {
        val interviews = listOf(
            interview("uuid:approved", "approved"),
            interview("uuid:not-sampled", "not_sampled"),
            interview("uuid:waiting-new", "waiting", listOf("status_3")),
            interview("uuid:returned", "returned", listOf("random")),
            interview("uuid:waiting-old", "waiting", listOf("random")),
        )
        assertEquals(
            listOf("uuid:waiting-new", "uuid:waiting-old", "uuid:returned", "uuid:approved", "uuid:not-sampled"),
            Team.lines(interviews, null).map { it.instanceId },
        )
        assertEquals(listOf("uuid:waiting-new", "uuid:waiting-old"), Team.lines(interviews, TeamState.WAITING).map { it.instanceId })
        assertEquals(listOf("uuid:returned"), Team.lines(interviews, TeamState.RETURNED).map { it.instanceId })
        assertEquals(TeamState.WAITING, Team.FILTERS.first())
        assertEquals(listOf("Menunggu / Waiting", "Dikembalikan / Returned", "Disetujui / Approved", "Tidak terpilih / Not sampled", Team.ANY_STATE),
            Team.FILTERS.map(Team::filterLabel))
    }

    @Test
    fun a_line_names_the_household_the_enumerator_the_status_the_state_and_the_reasons_in_words() {
        assertEquals(
            "5271011009000001 · Siti\nStatus keberadaan 3 · Menunggu / Waiting\nAlasan / Reasons: Status 3; Peringatan dikonfirmasi / Confirmed warning: nik.dob",
            Team.lineText(interview("uuid:a", "waiting", listOf("status_3", "warning:nik.dob"))),
        )
        val newHousehold = interview("uuid:b", "waiting", listOf("new_household"), household = null)
        assertTrue(Team.lineText(newHousehold).startsWith("baru / new · Siti"))
        assertTrue(Team.lineText(interview("uuid:c", "not_sampled", household = null)).startsWith("- · Siti"))
    }

    @Test
    fun the_review_screen_marks_each_change_against_the_prelist_and_the_returned_version_in_words() {
        val screen = Team.screen(
            detail(
                sections = listOf(
                    ReviewSection(
                        "Anggota / Members",
                        listOf(
                            answer("/data/members[1]/nama", "Heri Simanjuntak Putra", prelist = "Heri Simanjuntak"),
                            answer("/data/members[3]/nama", "Budi", added = true),
                            answer("/data/members[2]/nik", "5271014801726405", before = "5271014801726404"),
                            answer("/data/status_keberadaan", "Ditemukan (1)"),
                            answer("/data/catatan", ""),
                        ),
                    ),
                ),
            ),
        )
        val lines = screen.parts.single().lines
        assertEquals(listOf(true, true, false, false, false), lines.map { it.changed })
        assertEquals("an empty answer reads as a dash", "-", lines[4].answer)
        assertEquals("Heri Simanjuntak", lines[0].prelist)
        assertEquals(emptyList<String>(), lines[0].marks)
        assertEquals(listOf("baru / new"), lines[1].marks)
        assertEquals(listOf("Sebelum koreksi / Before the correction: 5271014801726404"), lines[2].marks)
        assertEquals(emptyList<String>(), lines[3].marks)
        assertEquals("2 perubahan terhadap prelist ditandai / 2 changes against the prelist are marked", screen.changes)
        assertEquals("the changes again at the top", lines.take(3), screen.changed)
        assertEquals("1 jawaban berubah sejak versi yang dikembalikan / 1 answer changed since the returned version", screen.corrected)
        assertNull(Team.screen(detail()).corrected)
        assertEquals("1 perubahan terhadap prelist ditandai / 1 change against the prelist is marked", Team.changesText(1))
        assertEquals("Wawancara / Interview 5271011009000001", screen.title)
        assertTrue(screen.summary, screen.summary.startsWith("Menunggu / Waiting · Siti · status keberadaan 3\nAlasan / Reasons: Status 3"))
        assertNull(screen.removed)
        assertEquals(listOf(Team.NO_FINDINGS), screen.findings)
        assertEquals("no point known: no location lines", emptyList<String>(), screen.location)
    }

    @Test
    fun findings_carry_the_enumerators_reason_and_the_location_its_distance() {
        val screen = Team.screen(
            detail(
                findings = listOf(
                    ReviewFinding("status.5_no_match", "warning", "/data/id_dtks_ganda", "Tidak ada anggota yang sama", "Dicek bersama ketua RT"),
                    ReviewFinding("nik.format", "error", null, "NIK salah", null),
                ),
                house = "-8.58 116.1 10 5", prelist = "-8.5801 116.1", distance = 11.4,
            ),
        )
        assertEquals(
            listOf(
                "status.5_no_match (warning) · /data/id_dtks_ganda: Tidak ada anggota yang sama\nAlasan pencacah / Enumerator's reason: Dicek bersama ketua RT",
                "nik.format (error): NIK salah",
            ),
            screen.findings,
        )
        assertEquals(
            listOf("Titik rumah / House point: -8.58 116.1 10 5", "Titik prelist / Prelist point: -8.5801 116.1", "Jarak / Distance: 11 m"),
            screen.location,
        )
        val onlyHouse = Team.screen(detail(house = "-8.58 116.1 10 5"))
        assertEquals("Jarak / Distance: tidak diketahui / unknown", onlyHouse.location.last())
    }

    @Test
    fun only_a_waiting_or_unsampled_interview_can_be_decided_and_unreadable_answers_say_why() {
        assertTrue(Team.screen(detail("waiting")).decides)
        assertTrue(Team.screen(detail("not_sampled")).decides)
        assertFalse(Team.screen(detail("returned")).decides)
        assertFalse(Team.screen(detail("approved")).decides)
        val unreadable = Team.screen(detail(unreadable = "formulir tidak terpasang / the form is not installed"))
        assertEquals("Jawaban tidak dapat ditampilkan / The answers cannot be shown: formulir tidak terpasang / the form is not installed", unreadable.unreadable)
        assertNull(unreadable.changes)
    }

    @Test
    fun a_return_sends_the_comments_typed_in_order_without_blanks_and_its_note_as_a_comment_on_the_whole() {
        val typed = linkedMapOf("/data/status_keberadaan" to " Tanyakan ke ketua RT ", "/data/alasan_tidak_ditemukan" to "  ", "/data/catatan" to "Tulis alamat baru")
        val sent = Team.decision(false, typed, " Foto kurang jelas ")
        assertFalse(sent.approve)
        assertEquals(
            listOf(
                ReviewCommentView("/data/status_keberadaan", "Tanyakan ke ketua RT"),
                ReviewCommentView("/data/catatan", "Tulis alamat baru"),
                ReviewCommentView(null, "Foto kurang jelas"),
            ),
            sent.comments,
        )
        assertNull(sent.note)
        assertEquals(listOf(ReviewCommentView(null, "Ulangi")), Team.decision(false, emptyMap(), "Ulangi").comments)
        assertEquals(emptyList<ReviewCommentView>(), Team.decision(false, mapOf("/data/x" to ""), " ").comments)
    }

    @Test
    fun an_approval_keeps_its_note_and_hands_typed_comments_on_for_the_core_to_refuse() {
        val clean = Team.decision(true, mapOf("/data/x" to " "), " Rapi ")
        assertEquals(TeamDecision(true, emptyList(), "Rapi"), clean)
        val typed = Team.decision(true, mapOf("/data/x" to "Cek lagi"), "")
        assertEquals(listOf(ReviewCommentView("/data/x", "Cek lagi")), typed.comments)
        assertNull(typed.note)
    }

    @Test
    fun an_import_reads_as_who_signed_it_and_what_it_brought() {
        assertEquals(
            "Bundel dari Siti diimpor / Bundle from Siti imported\n1 wawancara tim, 1 baru / 1 team interview, 1 new",
            Team.imported(BundleImport(1u, 1u, emptyList(), 0u, "verivali:a", "Siti")),
        )
        assertEquals(
            "Bundel dari Pak Budi diimpor / Bundle from Pak Budi imported\n" +
                "2 wawancara dikembalikan pengawas untuk dikoreksi / 2 interviews returned by the pengawas for correction\n" +
                "3 keputusan untuk ponsel lain atau yang sudah diterapkan dilewati / 3 decisions for other phones, or applied before, skipped",
            Team.imported(BundleImport(0u, 0u, listOf("uuid:a", "uuid:b"), 3u, "verivali:b", "Pak Budi")),
        )
        assertTrue(Team.imported(BundleImport(4u, 0u, emptyList(), 0u, "verivali:a", "Siti")).endsWith("4 wawancara tim, 0 baru / 4 team interviews, 0 new"))
        assertTrue(Team.imported(BundleImport(0u, 0u, emptyList(), 0u, "verivali:a", "Siti")).endsWith("Tidak ada isi yang baru / Nothing new in it"))
    }

    @Test
    fun the_team_screens_are_offered_on_a_pengawas_phone_only() {
        val pencacah = DeviceSettings("https://x.id", "abcdefgh12", "Siti", listOf("52"))
        assertFalse(Team.offered(pencacah))
        assertTrue(Team.offered(pencacah.copy(pengawas = true)))
        assertFalse("a phone not set up yet", Team.offered(null))
    }

    @Test
    fun a_fetch_from_the_server_says_how_many_came_and_how_many_are_new() {
        assertEquals(
            "3 wawancara tim dari server, 2 baru / 3 team interviews from the server, 2 new",
            Team.fetched(TeamFetchSummary(3u, 2u, 0u, true)),
        )
        assertEquals(
            "1 wawancara tim dari server, 0 baru / 1 team interview from the server, 0 new",
            Team.fetched(TeamFetchSummary(1u, 0u, 0u, true)),
        )
        assertEquals(
            "0 wawancara tim dari server, 0 baru / 0 team interviews from the server, 0 new",
            Team.fetched(TeamFetchSummary(0u, 0u, 0u, true)),
        )
        assertEquals(
            "4 wawancara tim dari server, 1 baru / 4 team interviews from the server, 1 new\n" +
                "1 berbeda dari salinan di ponsel ini; salinan ponsel ini disimpan / 1 differs from this phone's copy; this phone's copy is kept",
            Team.fetched(TeamFetchSummary(4u, 1u, 1u, true)),
        )
        assertEquals(
            "a plain OpenRosa server",
            "Server ini tidak mendaftar wawancara tim / This server lists no team interviews",
            Team.fetched(TeamFetchSummary(0u, 0u, 0u, false)),
        )
    }

    @Test
    fun a_key_is_shown_in_groups_to_read_aloud_and_taken_back_as_typed_in_them() {
        val key = "0123456789abcdef".repeat(4)
        val shown = Team.keyText(key)
        assertEquals(listOf("0123 4567 89ab cdef 0123 4567 89ab cdef", "0123 4567 89ab cdef 0123 4567 89ab cdef"), shown.lines())
        assertEquals(key, Team.typedKey(shown))
        assertEquals(key, Team.typedKey(" 0123 4567\t89ab cdef\n" + key.drop(16) + " "))
        assertEquals("Siti · 0123 4567 89ab cdef …", Team.trustedLine(TrustedKey(key, "Siti", false, 0)))
    }

    @Test
    fun the_cores_refusals_show_in_its_own_bilingual_words() {
        assertEquals("frasa sandi minimal 8 karakter / the passphrase needs 8 characters or more",
            Team.message(VerivaliException.InvalidInput("frasa sandi minimal 8 karakter / the passphrase needs 8 characters or more")))
        assertEquals("Tidak ditemukan: wawancara final yang menunggu / Not found: finalized interviews waiting",
            Team.message(VerivaliException.NotFound("wawancara final yang menunggu / finalized interviews waiting")))
        assertEquals("Token ditolak / The token was refused",
            Team.message(VerivaliException.Server(ServerProblem.TOKEN_REFUSED, "Token ditolak / The token was refused")))
    }

    /** A phone that sent one finalized visit to the receiver run-jvm-tests.sh started; gives its instanceID. */
    private fun sentVisit(enumerator: Verivali): String {
        enumerator.startInterview("mini_verivali", Fixtures.firstHouseholdId()).use { interview ->
            interview.answer("/data/status_keberadaan", AnswerValue.Choice("4"))
            assertTrue(interview.finalize(emptyList()) is FinalizeResult.Finalized)
        }
        assertEquals(1u, enumerator.uploadPending(receiver, token, 30_000uL, null, null).acknowledged)
        return enumerator.outboxStatus().single().instanceId
    }

    @Test
    fun an_enumerators_token_fetches_no_team_interviews_and_a_pengawas_token_fetches_each_once() {
        Fixtures.provisioned().use { enumerator ->
            Fixtures.provisioned().use { pengawas ->
                val sent = sentVisit(enumerator)
                val refused = runCatching { pengawas.fetchTeamInterviews(receiver, token) }.exceptionOrNull()!!
                val words = Team.message(refused)
                assertTrue(words, words.startsWith("Server tidak mengenal token ini sebagai token pengawas"))
                assertTrue(words, words.contains(" / The server does not know this token as a pengawas's"))
                assertTrue(pengawas.teamInterviews().isEmpty())

                val first = pengawas.fetchTeamInterviews(receiver, pengawasToken)
                assertTrue(first.supported)
                assertTrue("the visit sent, and the other tests' perhaps", first.listed >= 1u)
                assertEquals("nothing came by bundle before", first.listed, first.new)
                assertEquals(0u, first.conflicts)
                val fetched = pengawas.teamInterviews().single { it.instanceId == sent }
                assertEquals("JVM test", fetched.enumerator)
                assertTrue(Team.lines(pengawas.teamInterviews(), null).any { it.instanceId == sent })
                assertEquals(
                    "nothing new since the last fetch",
                    "0 wawancara tim dari server, 0 baru / 0 team interviews from the server, 0 new",
                    Team.fetched(pengawas.fetchTeamInterviews(receiver, pengawasToken)),
                )
            }
        }
    }

    private fun finalizedVisit(phone: Verivali, household: String): String {
        val visit = Enumeration(phone, UiLanguage.ID).start("dtks_verivali", household)
        visit.answer("/data/status_keberadaan", AnswerValue.Choice("3"))
        visit.answer("/data/alasan_tidak_ditemukan", AnswerValue.Text("Pindah ke luar kota"))
        var step = visit.finalize()
        while (step is FinalizeStep.NeedReasons) {
            step.warnings.forEach { visit.confirm(it, "Dicek bersama ketua RT") }
            step = visit.finalize()
        }
        assertEquals(FinalizeStep.Done, step)
        return visit.id
    }

    @Test
    fun two_phones_trade_bundles_and_the_pengawas_return_reopens_the_enumerators_interview() {
        val status = "/data/status_keberadaan"
        val passphrase = "sandi-tim-2026"
        Fixtures.provisioned(Fixtures.dtksForm).use { enumerator ->
            Fixtures.provisioned(Fixtures.dtksForm).use { pengawas ->
                // No household drawn for a back-check: the review shows every answer.
                pengawas.updateSettings(pengawas.settings().copy(backcheckPercent = 0u))
                val visit = finalizedVisit(enumerator, "5271011009000012")
                val out = enumerator.exportBundle(Files.createTempDirectory("vv-enumerator").toString(), passphrase)

                val untrusted = runCatching { pengawas.importBundle(out.path, passphrase) }.exceptionOrNull()!!
                assertTrue(Team.message(untrusted), Team.message(untrusted).contains("tidak dipercaya ponsel ini"))
                // Keys read aloud in groups, typed as heard.
                pengawas.trustSigningKey(Team.typedKey(Team.keyText(enumerator.signingPublicKey())), "Siti")
                enumerator.trustSigningKey(Team.typedKey(Team.keyText(pengawas.signingPublicKey())), "Pak Budi", true)
                assertEquals(listOf("Siti"), pengawas.trustedSigningKeys().map { it.label })
                val wrong = runCatching { pengawas.importBundle(out.path, "bukan-sandinya") }.exceptionOrNull()!!
                assertTrue(Team.message(wrong), Team.message(wrong).contains("frasa sandi salah"))

                val imported = pengawas.importBundle(out.path, passphrase)
                assertEquals("Bundel dari Siti diimpor / Bundle from Siti imported\n1 wawancara tim, 1 baru / 1 team interview, 1 new", Team.imported(imported))
                val line = Team.lines(pengawas.teamInterviews(), TeamState.WAITING).single()
                assertTrue(line.text, line.text.startsWith("5271011009000012 · Siti\nStatus keberadaan 3 · Menunggu / Waiting"))
                assertTrue(line.text, line.text.contains("Status 3"))
                val screen = Team.screen(pengawas.teamInterviewDetail(line.instanceId))
                assertTrue(screen.decides)
                assertNull(screen.unreadable)
                assertTrue(screen.parts.flatMap { it.lines }.any { it.reference == status })

                val blank = Team.decision(false, mapOf(status to "  "), "")
                val refused = runCatching { pengawas.reviewTeamInterview(line.instanceId, blank.approve, blank.comments, blank.note) }
                assertEquals(
                    "Pengembalian perlu minimal satu komentar berisi / A return needs at least one comment with text",
                    Team.message(refused.exceptionOrNull()!!),
                )
                val approvedWithComments = Team.decision(true, mapOf(status to "Tanyakan ke ketua RT"), "")
                val notDropped = runCatching {
                    pengawas.reviewTeamInterview(line.instanceId, approvedWithComments.approve, approvedWithComments.comments, approvedWithComments.note)
                }
                assertEquals("komentar hanya untuk pengembalian / comments are for a return only", Team.message(notDropped.exceptionOrNull()!!))

                val decision = Team.decision(false, mapOf(status to "Tanyakan ke ketua RT"), "Foto kurang jelas")
                assertEquals("returned", pengawas.reviewTeamInterview(line.instanceId, decision.approve, decision.comments, decision.note))
                assertEquals(listOf(line.instanceId), Team.lines(pengawas.teamInterviews(), TeamState.RETURNED).map { it.instanceId })
                assertFalse(Team.screen(pengawas.teamInterviewDetail(line.instanceId)).decides)

                val back = pengawas.exportBundle(Files.createTempDirectory("vv-pengawas").toString(), passphrase)
                assertEquals(1u, back.decisions)
                val applied = enumerator.importBundle(back.path, passphrase)
                assertEquals(listOf(visit), applied.reopened)
                assertTrue(Team.imported(applied), Team.imported(applied).contains(Returns.notification(listOf(visit))!!))
                val reopened = Enumeration(enumerator, UiLanguage.ID).reopen(visit)
                val banner = reopened.screen().reviewBanner!!
                assertTrue(banner, banner.contains("• Foto kurang jelas"))
                assertTrue(banner, banner.contains("1 pertanyaan diberi komentar"))
                assertTrue(enumerator.interviews().single { it.interviewId == visit }.returnedByPengawas)
            }
        }
    }
}
