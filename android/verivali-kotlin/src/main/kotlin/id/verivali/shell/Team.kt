package id.verivali.shell

import id.verivali.core.BundleImport
import id.verivali.core.ReviewAnswer
import id.verivali.core.ReviewCommentView
import id.verivali.core.ReviewFinding
import id.verivali.core.TeamFetchSummary
import id.verivali.core.TeamInterview
import id.verivali.core.TeamInterviewDetail
import id.verivali.core.TrustedKey
import id.verivali.core.VerivaliException
import kotlin.math.roundToLong

/** Where a team interview stands in review, in the order the team list shows them: what waits first. */
enum class TeamState(val code: String, val label: String) {
    WAITING("waiting", "Menunggu / Waiting"),
    RETURNED("returned", "Dikembalikan / Returned"),
    APPROVED("approved", "Disetujui / Approved"),
    NOT_SAMPLED("not_sampled", "Tidak terpilih / Not sampled");

    companion object {
        fun of(code: String): TeamState? = values().firstOrNull { it.code == code }
    }
}

/** One line of the team list: what it says, and the interview tapping it opens. */
data class TeamLine(val text: String, val instanceId: String)

/**
 * One answer as the review screen draws it. A [changed] answer is drawn marked, and says so in
 * words too: the prelist's value after [Team.PRELIST] (drawn struck through), or its [marks].
 */
data class ReviewLine(
    val reference: String,
    val label: String,
    /** The answer as the form shows it (a choice's label with its value). */
    val answer: String,
    val changed: Boolean,
    /** The prelist's value, when the answer differs from it. */
    val prelist: String?,
    /** "baru / new" in a member the prelist did not have; the returned version's value, for a correction. */
    val marks: List<String>,
)

data class ReviewPart(val title: String, val lines: List<ReviewLine>)

/** The review screen of one team interview, decided here; the app only draws it. */
data class ReviewScreen(
    val title: String,
    /** State, enumerator, status keberadaan, and the sample's reasons. */
    val summary: String,
    /** For a correction: which returned version it replaces. */
    val corrects: String?,
    val findings: List<String>,
    /** The house's point, the prelist's, and the distance between them; empty when neither is known. */
    val location: List<String>,
    /** The photos' names, for [id.verivali.core.Verivali.teamPhoto]. */
    val photos: List<String>,
    /** Why the answers cannot be shown; then [parts] is empty. */
    val unreadable: String?,
    /** How many answers differ from the prelist, over [changed]. */
    val changes: String?,
    /**
     * The changed answers again, at the top, so that a long interview's changes are read first:
     * those that differ from the prelist, are new, or changed since the returned version.
     */
    val changed: List<ReviewLine>,
    /** For a correction: how many answers changed since the returned version (among [changed]). */
    val corrected: String?,
    /** Members the prelist had and the interview does not. */
    val removed: String?,
    val parts: List<ReviewPart>,
    /** Whether the pengawas can still approve or return it (waiting or not sampled). */
    val decides: Boolean,
)

/** What a pengawas's decision hands to the core's `reviewTeamInterview`. */
data class TeamDecision(val approve: Boolean, val comments: List<ReviewCommentView>, val note: String?)

/**
 * The pengawas's phone offline (issue 18): how the team's interviews read in the list and on the
 * review screen, which the list keeps for the chosen state, what a decision sends, how a bundle's
 * import reads, and this phone's key as a person reads it to another. The words are the
 * receiver's review pages' (receiver/src/review/pages.rs), Bahasa Indonesia first and English
 * after it, and say in words what a mark or a colour also shows.
 */
object Team {
    const val TITLE = "Wawancara tim / Team interviews"
    const val BUNDLES = "Bundel tanpa jaringan / Bundles without network"
    const val ANY_STATE = "Semua status / Any state"
    const val NONE_HERE = "Tidak ada wawancara di sini; impor bundel dari anggota tim / No interviews here; import a team member's bundle"
    const val APPROVE = "Setujui / Approve"
    const val RETURN = "Kembalikan / Return"
    const val COMMENT = "Komentar / Comment"
    const val NOTE = "Catatan untuk seluruh wawancara / Note on the whole interview"
    const val FINDINGS = "Temuan aturan / Rule findings"
    const val NO_FINDINGS = "Tidak ada / None"
    const val LOCATION = "Lokasi / Location"
    const val PHOTOS = "Foto / Photos"
    const val PHOTO_UNREADABLE = "Foto tidak terbaca / The photo cannot be read"
    const val ANSWERS = "Jawaban / Answers"
    const val PRELIST = "Prelist: "
    const val NEW_MEMBER = "baru / new"
    const val THIS_KEY = "Kunci ponsel ini: bacakan atau tunjukkan ke ponsel lain / This phone's key: read or show it to the other phone"
    const val TRUSTED = "Kunci yang dipercaya ponsel ini / Keys this phone trusts"
    const val NO_TRUSTED = "Belum ada / None yet"
    const val KEY_HINT = "Kunci ponsel lain (64 digit) / The other phone's key (64 digits)"
    const val LABEL_HINT = "Milik siapa (nama) / Whose key (a name)"
    const val TRUST = "Percayai kunci ini / Trust this key"
    /** Only the team's pengawas's key may reopen this phone's interviews with its returns. */
    const val PENGAWAS_KEY = "Kunci pengawas tim: pengembaliannya membuka kembali wawancara / The team's pengawas's key: its returns reopen interviews"
    const val SHARE = "Bagikan bundel ponsel ini / Share this phone's bundle"
    const val IMPORT = "Impor bundel dari berkas / Import a bundle from a file"
    const val PASSPHRASE = "Frasa sandi bundel (min. 8) / Bundle passphrase (8 or more)"
    const val TRY_AGAIN = "Coba lagi / Try again"
    const val CLOSE = "Tutup / Close"
    const val FETCH = "Ambil wawancara tim dari server / Fetch the team's interviews from the server"
    const val FETCHING = "Mengambil wawancara tim… / Fetching the team's interviews…"
    const val NOT_LISTED = "Server ini tidak mendaftar wawancara tim / This server lists no team interviews"

    /**
     * Whether the team's screens are offered, and the team's interviews fetched with the upload
     * job: on a pengawas's phone only. An enumerator's phone hands bundles over, but reviews none.
     */
    fun offered(settings: DeviceSettings?): Boolean = settings?.pengawas == true

    /** The list's filter: each state, waiting first, then every state at once (null). */
    val FILTERS: List<TeamState?> = TeamState.values().toList() + null

    fun filterLabel(state: TeamState?): String = state?.label ?: ANY_STATE

    fun stateLabel(code: String): String = TeamState.of(code)?.label ?: code

    private val REASONS = mapOf(
        "new_household" to "Ruta baru / New household",
        "far_from_prelist" to "Jauh dari titik prelist / Far from the prelist point",
        "random" to "Acak / Random",
        "correction" to "Koreksi / Correction",
        "edit" to "Diedit pencacah / Edited by the enumerator",
        "picked" to "Dipilih pengawas / Picked by a pengawas",
    )

    /** Why the sample drew an interview (`status_4`, `warning:nik.dob`, `random`, …) in words. */
    fun reasonLabel(code: String): String {
        code.removePrefix("status_").takeIf { it != code }?.let { return "Status $it" }
        code.removePrefix("warning:").takeIf { it != code }?.let { return "Peringatan dikonfirmasi / Confirmed warning: $it" }
        val word = code.substringBefore(' ')
        val rest = code.substringAfter(' ', "")
        val label = REASONS[word] ?: return code
        return if (rest.isEmpty()) label else "$label $rest"
    }

    fun reasonsText(codes: List<String>): String = if (codes.isEmpty()) "-" else codes.joinToString("; ", transform = ::reasonLabel)

    /** The household as the list names it: its ID DTKS, "new" for a new one, else unknown. */
    fun household(interview: TeamInterview): String = interview.household
        ?: if ("new_household" in interview.reasons) NEW_MEMBER else "-"

    /** `ID DTKS · enumerator`, status keberadaan and state, then the sample's reasons. */
    fun lineText(interview: TeamInterview): String =
        "${household(interview)} · ${interview.enumerator}\n" +
            "Status keberadaan ${interview.status ?: "-"} · ${stateLabel(interview.state)}\n" +
            "Alasan / Reasons: ${reasonsText(interview.reasons)}"

    /**
     * The interviews the filter keeps for [wanted] (every one for null): those waiting first,
     * then returned, approved, not sampled, each newest first as the core lists them.
     */
    fun lines(interviews: List<TeamInterview>, wanted: TeamState?): List<TeamLine> = interviews
        .filter { wanted == null || it.state == wanted.code }
        .sortedBy { TeamState.of(it.state)?.ordinal ?: TeamState.values().size }
        .map { TeamLine(lineText(it), it.instanceId) }

    fun screen(detail: TeamInterviewDetail): ReviewScreen {
        val interview = detail.interview
        val answers = detail.sections.flatMap { it.answers }
        val location = listOfNotNull(
            detail.housePoint?.let { "Titik rumah / House point: $it" },
            detail.prelistPoint?.let { "Titik prelist / Prelist point: $it" },
        )
        return ReviewScreen(
            title = "Wawancara / Interview ${household(interview)}",
            summary = "${stateLabel(interview.state)} · ${interview.enumerator} · status keberadaan ${interview.status ?: "-"}\n" +
                "Alasan / Reasons: ${reasonsText(interview.reasons)}",
            corrects = interview.corrects?.let {
                "Koreksi dari / Corrects $it; jawaban yang berubah ditandai / changed answers are marked"
            },
            findings = detail.findings.map(::findingText).ifEmpty { listOf(NO_FINDINGS) },
            location = if (location.isEmpty() && detail.distanceM == null) emptyList() else location + distanceText(detail.distanceM),
            photos = detail.photos,
            unreadable = detail.unreadable?.let { "Jawaban tidak dapat ditampilkan / The answers cannot be shown: $it" },
            changes = if (detail.unreadable != null) null else changesText(answers.count { it.prelist != null || it.added }),
            changed = answers.map(::line).filter { it.changed || it.marks.isNotEmpty() },
            corrected = answers.count { it.beforeCorrection != null }.takeIf { it > 0 }?.let {
                if (it == 1) "1 jawaban berubah sejak versi yang dikembalikan / 1 answer changed since the returned version"
                else "$it jawaban berubah sejak versi yang dikembalikan / $it answers changed since the returned version"
            },
            removed = detail.removed.takeIf { it.isNotEmpty() }?.let {
                "Ada di prelist, tidak ada di wawancara / In the prelist, not in the interview: ${it.joinToString(", ")}"
            },
            parts = detail.sections.map { section -> ReviewPart(section.title, section.answers.map(::line)) },
            decides = interview.state == TeamState.WAITING.code || interview.state == TeamState.NOT_SAMPLED.code,
        )
    }

    fun changesText(count: Int): String =
        if (count == 1) "1 perubahan terhadap prelist ditandai / 1 change against the prelist is marked"
        else "$count perubahan terhadap prelist ditandai / $count changes against the prelist are marked"

    private fun line(answer: ReviewAnswer) = ReviewLine(
        reference = answer.reference,
        label = answer.label,
        answer = answer.shown.ifBlank { "-" },
        changed = answer.prelist != null || answer.added,
        prelist = answer.prelist,
        marks = listOfNotNull(
            NEW_MEMBER.takeIf { answer.added && answer.prelist == null },
            answer.beforeCorrection?.let { "Sebelum koreksi / Before the correction: $it" },
        ),
    )

    /** `rule (severity) at reference: message`, and the enumerator's reason when it was confirmed. */
    fun findingText(finding: ReviewFinding): String =
        "${finding.rule} (${finding.severity})" + (finding.reference?.let { " · $it" } ?: "") + ": ${finding.message}" +
            (finding.reason?.let { "\nAlasan pencacah / Enumerator's reason: $it" } ?: "")

    fun distanceText(metres: Double?): String =
        "Jarak / Distance: " + (metres?.let { "${it.roundToLong()} m" } ?: "tidak diketahui / unknown")

    /**
     * What a decision sends, from the comment typed under each answer ([typed], by reference, in
     * screen order) and the note. Blank comments are left out. A return's note travels as its
     * comment on the whole interview, as on the receiver's pages, so a note alone will do; an
     * approval's note stays a note. Comments typed on questions go with an approval too, for the
     * core to refuse: they are never dropped silently.
     */
    fun decision(approve: Boolean, typed: Map<String, String>, note: String): TeamDecision {
        val comments = typed.mapNotNull { (reference, text) ->
            text.trim().takeIf { it.isNotEmpty() }?.let { ReviewCommentView(reference, it) }
        }
        val trimmed = note.trim().takeIf { it.isNotEmpty() }
        return if (approve) TeamDecision(true, comments, trimmed)
        else TeamDecision(false, comments + listOfNotNull(trimmed?.let { ReviewCommentView(null, it) }), null)
    }

    /** Shown once a decision is recorded: the new state, and how it reaches the enumerator. */
    fun decided(state: String): String =
        "${stateLabel(state)}. Keputusan ikut bundel berikutnya dari ponsel ini / The decision travels in this phone's next bundle"

    /** What importing a bundle did, line by line. */
    fun imported(result: BundleImport): String {
        val lines = mutableListOf("Bundel dari ${result.signerLabel} diimpor / Bundle from ${result.signerLabel} imported")
        if (result.submissions > 0u) {
            val interviews = if (result.submissions == 1u) "interview" else "interviews"
            lines += "${result.submissions} wawancara tim, ${result.new} baru / ${result.submissions} team $interviews, ${result.new} new"
        }
        Returns.notification(result.reopened)?.let { lines += it }
        if (result.decisionsSkipped > 0u) {
            val decisions = if (result.decisionsSkipped == 1u) "decision" else "decisions"
            lines += "${result.decisionsSkipped} keputusan untuk ponsel lain atau yang sudah diterapkan dilewati / " +
                "${result.decisionsSkipped} $decisions for other phones, or applied before, skipped"
        }
        if (result.submissions == 0u && result.reopened.isEmpty() && result.decisionsSkipped == 0u) {
            lines += "Tidak ada isi yang baru / Nothing new in it"
        }
        return lines.joinToString("\n")
    }

    /**
     * What fetching the team's interviews from the server did: how many it listed since the last
     * fetch and how many of them are new here (the others came by bundle or an earlier fetch),
     * and those this phone holds otherwise, kept as they are; or that the server lists none (a
     * plain OpenRosa server).
     */
    fun fetched(summary: TeamFetchSummary): String {
        if (!summary.supported) return NOT_LISTED
        val interviews = if (summary.listed == 1u) "interview" else "interviews"
        val lines = mutableListOf(
            "${summary.listed} wawancara tim dari server, ${summary.new} baru / ${summary.listed} team $interviews from the server, ${summary.new} new",
        )
        if (summary.conflicts > 0u) {
            val differ = if (summary.conflicts == 1u) "differs" else "differ"
            lines += "${summary.conflicts} berbeda dari salinan di ponsel ini; salinan ponsel ini disimpan / " +
                "${summary.conflicts} $differ from this phone's copy; this phone's copy is kept"
        }
        return lines.joinToString("\n")
    }

    /** A public key for reading aloud or comparing by eye: groups of four digits, eight groups a line. */
    fun keyText(hex: String): String = hex.chunked(4).chunked(8).joinToString("\n") { it.joinToString(" ") }

    /** A key as typed or pasted (in groups, over lines) as the core takes it: the digits alone. */
    fun typedKey(text: String): String = text.filterNot { it.isWhitespace() }

    /** A trusted key in the list: whose, and its first digits to compare. */
    fun trustedLine(key: TrustedKey): String {
        val role = if (key.pengawas) " (pengawas)" else ""
        return "${key.label}$role · ${key.publicKey.take(16).chunked(4).joinToString(" ")} …"
    }

    fun trustedNow(label: String): String = "Kunci ${label.trim()} dipercaya / ${label.trim()}'s key is trusted"

    /** A core refusal or failure as the screen shows it: the core's own bilingual words. */
    fun message(error: Throwable): String = when (error) {
        is VerivaliException.InvalidInput -> error.reason
        is VerivaliException.File -> error.reason
        is VerivaliException.Server -> error.reason
        is VerivaliException.NotFound -> {
            val parts = error.what.split(" / ", limit = 2)
            if (parts.size == 2) "Tidak ditemukan: ${parts[0]} / Not found: ${parts[1]}"
            else "Tidak ditemukan / Not found: ${error.what}"
        }
        else -> error.message ?: error.toString()
    }
}
