package id.verivali.shell

import id.verivali.core.AnswerResult
import id.verivali.core.AnswerValue
import id.verivali.core.FixQualityView
import id.verivali.core.GeopointInput
import id.verivali.core.FinalizeResult
import id.verivali.core.Interview
import id.verivali.core.InterviewStatus
import id.verivali.core.RuleFinding
import id.verivali.core.ScreenView
import id.verivali.core.SearchRequest
import id.verivali.core.Verivali
import id.verivali.core.VerivaliException
import id.verivali.core.WarningConfirmation

/** A household row of the list screen. */
data class HouseholdRow(val idDtks: String, val title: String, val subtitle: String)

/** What an interview screen shows, decided here. */
data class ScreenSpec(
    val header: String,
    val widgets: List<WidgetSpec>,
    /** "Add another member?" after the last one: the repeat to add to, and the question. */
    val addTo: String?,
    val addQuestion: String?,
    /** The repeat instance the screen belongs to, for "remove this member". */
    val member: String?,
    val sections: List<String>,
    val canGoBack: Boolean,
    val canGoForward: Boolean,
    val finalized: Boolean,
    /** While a pengawas's return waits for its correction: the banner over the screen ([Returns.banner]). */
    val reviewBanner: String? = null,
    /** The pengawas's comment of each commented question on this screen, by reference, as it shows. */
    val reviewComments: Map<String, String> = emptyMap(),
) {
    /** Finalize is offered on the last screen of a visit not finalized yet. */
    val offersFinalize: Boolean get() = !canGoForward && !finalized

    /**
     * Whether [other] asks the same questions in the same places. After a typed answer the app
     * then updates values and messages in place instead of redrawing the screen (and the field
     * being typed in).
     */
    fun sameQuestions(other: ScreenSpec): Boolean =
        widgets.map { it.reference to it.javaClass } == other.widgets.map { it.reference to it.javaClass }
}

/** The reason a warning needs before the visit can be finalized. */
object Reasons {
    const val MIN_CHARS = 3

    /** What is wrong with [reason], in the UI language; null when it will do. */
    fun problem(reason: String, language: UiLanguage): String? = when {
        reason.trim().length >= MIN_CHARS -> null
        language == UiLanguage.EN -> "Write a reason (at least $MIN_CHARS characters) to go on."
        else -> "Tulis alasan (minimal $MIN_CHARS karakter) untuk melanjutkan."
    }
}

/** What one tap did: the message to show under the question (null when saved) and the screen after it. */
data class Tap(val refusal: String?, val screen: ScreenSpec)

/** What one GPS fix did: how good the core judged it, and the screen after it. */
data class Fix(val quality: FixQualityView, val message: String?, val screen: ScreenSpec) {
    /** A fix the core judged good ends the listening; any other, the GPS goes on. */
    val endsListening: Boolean get() = quality == FixQualityView.GOOD
}

/** What finalizing asks of the enumerator next. */
sealed class FinalizeStep {
    object Done : FinalizeStep()
    /** Fix these first (form violations and rule errors), in the UI language. */
    data class Fix(val problems: List<String>) : FinalizeStep()
    /** Each needs a reason to go on. */
    data class NeedReasons(val warnings: List<RuleFinding>) : FinalizeStep()
}

/**
 * The enumeration: the enumerator's use of the core (find a household, start or reopen its visit),
 * as the activities call it on the [CoreExecutor]. Blocking; every answer is saved by the core
 * before it returns. (Not "field": a field is a question everywhere else.)
 */
class Enumeration(private val core: Verivali, private val language: UiLanguage) {
    fun search(text: String): List<HouseholdRow> =
        core.search(SearchRequest(text, null, 50u), 0u).hits.map {
            row(it.idDtks, it.headName, it.memberCount.toInt(), it.desaCode)
        }

    /** One prelist household as a list row; null when the prelist does not hold it. */
    fun household(idDtks: String): HouseholdRow? =
        core.household(idDtks)?.let { row(it.idDtks, it.headName, it.members.size, it.desaCode) }

    private fun row(idDtks: String, head: String?, members: Int, desa: String) =
        HouseholdRow(idDtks, head ?: "-", "$members ART · desa $desa")

    /**
     * The household list's lines for what was typed and the status chosen: the returned ones
     * straight from the interviews (see [HouseholdFilter.returnedLines]), the rest from a search.
     */
    fun households(text: String, wanted: HouseholdStatus?): List<HouseholdLine> {
        val interviews = core.interviews()
        return if (wanted == HouseholdStatus.RETURNED) HouseholdFilter.returnedLines(interviews, text, ::household)
        else HouseholdFilter.searchLines(search(text), interviews, wanted)
    }

    /** Starts a visit to `idDtks`, or to a new household when null. */
    fun start(formId: String, idDtks: String?): OpenInterview = OpenInterview(core.startInterview(formId, idDtks), language)

    /** Opening a household goes on with its draft (or returned) interview, else starts a visit. */
    fun open(formId: String, idDtks: String?): OpenInterview {
        val draft = idDtks?.let { core.openDraftOf(it) }
        return if (draft != null) reopen(draft) else start(formId, idDtks)
    }

    fun reopen(interviewId: String): OpenInterview = OpenInterview(core.interview(interviewId), language)
}

/** One interview open on screen, as the interview activity drives it. */
class OpenInterview(val interview: Interview, private val language: UiLanguage) {
    private val confirmations = mutableListOf<WarningConfirmation>()

    init {
        language.formLanguage(interview.languages())?.let { interview.setLanguage(it) }
    }

    val id: String get() = interview.id()

    fun screen(): ScreenSpec = spec(interview.screen())
    fun next(): ScreenSpec = spec(interview.next())
    fun previous(): ScreenSpec = spec(interview.previous())
    fun jump(section: Int): ScreenSpec = spec(interview.jump(section.toUInt()))
    fun addMember(repeat: String): ScreenSpec = spec(interview.addRepeat(repeat))
    fun removeMember(member: String): ScreenSpec = spec(interview.removeRepeat(member))

    /**
     * Answers, in one call to the core: the answer is saved (or refused, with the message to show
     * under the question) and the screen after it comes back with it.
     */
    fun answer(reference: String, value: AnswerValue): Tap = try {
        val answered = interview.answer(reference, value)
        Tap(refusal(answered.result), spec(answered.screen))
    } catch (e: VerivaliException) {
        Tap(bilingual(e.message ?: "", language), screen())
    }

    fun attachPhoto(reference: String, path: String): Tap = try {
        val photo = interview.attachPhoto(reference, path)
        Tap(refusal(photo.answer), spec(photo.screen))
    } catch (e: VerivaliException) {
        Tap(bilingual(e.message ?: "", language), screen())
    }

    /** Offers a GPS fix; the core judges it against the form's accuracy rule (ADR 0012). */
    fun setLocation(reference: String, point: GeopointInput): Fix {
        val result = interview.setLocation(reference, point)
        return Fix(result.quality, result.message?.let { bilingual(it, language) }, spec(result.screen))
    }

    fun confirm(warning: RuleFinding, reason: String) {
        confirmations.removeAll { it.rule == warning.rule && it.reference == warning.reference }
        confirmations += WarningConfirmation(warning.rule, warning.reference, reason.trim())
    }

    fun finalize(): FinalizeStep = when (val result = interview.finalize(confirmations.toList())) {
        is FinalizeResult.Finalized -> FinalizeStep.Done
        is FinalizeResult.Blocked -> when {
            result.formViolations.isNotEmpty() || result.errors.isNotEmpty() -> FinalizeStep.Fix(
                result.formViolations.map {
                    if (language == UiLanguage.EN) "$it: required or invalid" else "$it: wajib diisi atau tidak sah"
                } + result.errors.map { it.inline(language).text },
            )
            else -> FinalizeStep.NeedReasons(result.unconfirmed)
        }
    }

    private fun refusal(result: AnswerResult): String? = when (result) {
        is AnswerResult.Saved -> null
        is AnswerResult.RequiredButEmpty -> if (language == UiLanguage.EN) "Required" else "Wajib diisi"
        is AnswerResult.ConstraintViolated -> result.message
            ?: if (language == UiLanguage.EN) "The answer breaks a rule" else "Jawaban tidak memenuhi syarat"
        is AnswerResult.Invalid -> bilingual(result.message, language)
    }

    private fun spec(view: ScreenView): ScreenSpec {
        val header = listOfNotNull(view.section, view.title).joinToString(" · ") +
            "  ${view.index + 1u}/${view.count}"
        return ScreenSpec(
            header = header.trim(),
            widgets = view.questions.map { WidgetSpec.of(it, language) },
            addTo = view.repeatPrompt?.repeat,
            addQuestion = view.repeatPrompt?.let {
                val label = it.label ?: it.repeat
                if (language == UiLanguage.EN) "$label: ${it.count} now. Add another?"
                else "$label: ${it.count} sekarang. Tambah lagi?"
            },
            member = view.repeatInstance,
            sections = view.sections.map { it.label },
            canGoBack = view.canGoBack,
            canGoForward = view.canGoForward,
            finalized = view.status == InterviewStatus.FINALIZED,
            reviewBanner = view.review?.let(Returns::banner),
            reviewComments = Returns.commentsOf(view.questions),
        )
    }
}
