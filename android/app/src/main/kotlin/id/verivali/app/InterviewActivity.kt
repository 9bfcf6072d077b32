package id.verivali.app

import android.Manifest
import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle
import android.provider.MediaStore
import android.text.InputType
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.ScrollView
import id.verivali.core.AnswerValue
import id.verivali.core.GeopointInput
import id.verivali.shell.FinalizeStep
import id.verivali.shell.InlineMessage
import id.verivali.shell.ScreenSpec
import id.verivali.shell.OpenInterview
import id.verivali.shell.Reasons
import id.verivali.shell.WidgetSpec
import id.verivali.shell.Word
import java.io.File

/**
 * One visit: draws each screen spec as views, forwards answers, and asks for reasons. A visit
 * opens by household ([HOUSEHOLD]: its draft or returned interview, or a new one) or by
 * interview ([INTERVIEW]: a returned one from the list); a returned one shows the pengawas's
 * comments over the screen and under each commented question.
 */
class InterviewActivity : Activity() {
    private lateinit var app: VerivaliApp
    private var visit: OpenInterview? = null
    private val body by lazy { Views.column(this) }
    private var pendingPhoto: Pair<String, File>? = null
    private var location: LocationReader? = null
    /** The screen shown, and where each question's messages go, for updates in place. */
    private var shown: ScreenSpec? = null
    private val messageSlots = HashMap<String, LinearLayout>()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "Verivali"
        app = VerivaliApp.of(this)
        setContentView(ScrollView(this).apply { addView(body) })
        app.executor.run({ openVisit().also { visit = it }.screen() }) {
            it.onSuccess(::show).onFailure { e -> showError(e.message) }
        }
    }

    /** The interview the intent names, else the household's (on the core's thread). */
    private fun openVisit(): OpenInterview {
        val interview = intent.getStringExtra(INTERVIEW)
        if (interview != null) return app.enumeration.reopen(interview)
        return app.enumeration.open(VerivaliApp.FORM_ID, intent.getStringExtra(HOUSEHOLD))
    }

    override fun onDestroy() {
        location?.stop()
        super.onDestroy()
    }

    private fun act(work: (OpenInterview) -> ScreenSpec) {
        val current = visit ?: return
        app.executor.run({ work(current) }) { it.onSuccess(::show).onFailure { e -> showError(e.message) } }
    }

    /**
     * One call to the core per change: the answer is saved and the screen after it comes back. A
     * typed answer that leaves the same questions on screen updates the messages in place, so the
     * field keeps its cursor; anything else redraws. A refusal of a typed answer shows under its
     * field; other refusals and failures in a dialog.
     */
    private fun answer(reference: String, value: AnswerValue, typed: Boolean = false) {
        val current = visit ?: return
        app.executor.run({ current.answer(reference, value) }) { result ->
            result.onSuccess { tap ->
                val before = shown
                if (typed && before != null && before.sameQuestions(tap.screen)) update(tap.screen) else show(tap.screen)
                val refusal = tap.refusal ?: return@onSuccess
                // While typing, a refusal shows under the field, not as a dialog per keystroke.
                val slot = messageSlots[reference]
                if (typed && slot != null) {
                    slot.addView(Views.message(this, InlineMessage(InlineMessage.Level.ERROR, refusal)))
                } else {
                    showError(refusal)
                }
            }.onFailure { e -> showError(e.message) }
        }
    }

    /** The messages of each question, redrawn where they are. */
    private fun update(screen: ScreenSpec) {
        shown = screen
        for (widget in screen.widgets) {
            val slot = messageSlots[widget.reference] ?: continue
            slot.removeAllViews()
            widget.messages.forEach { slot.addView(Views.message(this, it)) }
        }
    }

    private fun show(screen: ScreenSpec) {
        val lang = app.language
        shown = screen
        messageSlots.clear()
        body.removeAllViews()
        body.addView(Views.text(this, screen.header, 14f))
        screen.reviewBanner?.let { body.addView(Views.review(this, it)) }
        for (widget in screen.widgets) {
            body.addView(Views.text(this, widget.label + if (widget.required) " *" else "", 18f))
            screen.reviewComments[widget.reference]?.let { body.addView(Views.review(this, it, 14f)) }
            widget.hint?.let { body.addView(Views.text(this, it, 14f)) }
            body.addView(viewFor(widget))
            val slot = Views.column(this).apply { setPadding(0, 0, 0, 0) }
            widget.messages.forEach { slot.addView(Views.message(this, it)) }
            messageSlots[widget.reference] = slot
            body.addView(slot)
        }
        screen.addQuestion?.let { question ->
            body.addView(Views.text(this, question))
            body.addView(Views.button(this, Word.ADD_MEMBER.text(lang)) { act { v -> v.addMember(screen.addTo!!) } })
        }
        val nav = Views.row(this)
        if (screen.canGoBack) nav.addView(Views.button(this, Word.BACK.text(lang)) { act { it.previous() } })
        if (screen.canGoForward) nav.addView(Views.button(this, Word.NEXT.text(lang)) { act { it.next() } })
        nav.addView(Views.button(this, Word.SECTIONS.text(lang)) { chooseSection(screen) })
        screen.member?.let { member ->
            nav.addView(Views.button(this, Word.REMOVE_MEMBER.text(lang)) { act { it.removeMember(member) } })
        }
        if (screen.offersFinalize) nav.addView(Views.button(this, Word.FINALIZE.text(lang)) { finalizeVisit() })
        body.addView(nav)
    }

    private fun viewFor(widget: WidgetSpec): android.view.View = when (widget) {
        is WidgetSpec.TextField -> EditText(this).apply {
            setText(widget.value)
            isEnabled = !widget.readOnly
            inputType = when (widget.keyboard) {
                WidgetSpec.Keyboard.NUMBER -> InputType.TYPE_CLASS_NUMBER
                WidgetSpec.Keyboard.SIGNED_DECIMAL ->
                    InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL or InputType.TYPE_NUMBER_FLAG_SIGNED
                WidgetSpec.Keyboard.PHONE -> InputType.TYPE_CLASS_PHONE
                WidgetSpec.Keyboard.TEXT -> InputType.TYPE_CLASS_TEXT
            }
            savesEachChange(widget.reference)
        }
        is WidgetSpec.DateField -> EditText(this).apply {
            setText(widget.value)
            hint = widget.pattern
            inputType = InputType.TYPE_CLASS_DATETIME or when {
                widget.timeOnly -> InputType.TYPE_DATETIME_VARIATION_TIME
                widget.withTime -> InputType.TYPE_DATETIME_VARIATION_NORMAL
                else -> InputType.TYPE_DATETIME_VARIATION_DATE
            }
            savesEachChange(widget.reference)
        }
        is WidgetSpec.SingleChoice -> if (widget.searchable) searchableChoice(widget) else radios(widget, widget.choices)
        is WidgetSpec.MultiChoice -> LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            val boxes = widget.choices.map { choice ->
                CheckBox(this@InterviewActivity).apply { text = choice.label; isChecked = choice.selected }
                    .also { addView(it) }
            }
            boxes.forEach { box ->
                box.setOnCheckedChangeListener { _, _ ->
                    val chosen = widget.choices.filterIndexed { i, _ -> boxes[i].isChecked }.map { it.value }
                    answer(widget.reference, AnswerValue.Choices(chosen))
                }
            }
        }
        is WidgetSpec.Photo -> Views.button(this, Word.TAKE_PHOTO.text(app.language) + (widget.fileName?.let { " ✓" } ?: "")) {
            takePhoto(widget.reference)
        }
        is WidgetSpec.Location -> Views.button(this, Word.GET_LOCATION.text(app.language) + " " + widget.value) {
            if (checkSelfPermission(Manifest.permission.ACCESS_FINE_LOCATION) != PackageManager.PERMISSION_GRANTED) {
                requestPermissions(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION), ASK_LOCATION)
                return@button
            }
            location?.stop()
            location = LocationReader(this) { lat, lon, alt, acc ->
                val current = visit ?: return@LocationReader
                app.executor.run({ current.setLocation(widget.reference, GeopointInput(lat, lon, alt, acc)) }) { result ->
                    result.onSuccess { fix ->
                        // The core judges the fix; a good one ends the listening, and its advice
                        // (wait for a better fix, move outside) shows under the question.
                        if (fix.endsListening) location?.stop()
                        show(fix.screen)
                        fix.message?.let { advice ->
                            messageSlots[widget.reference]?.addView(Views.text(this, advice, 14f))
                        }
                    }.onFailure { e ->
                        location?.stop()
                        showError(e.message)
                    }
                }
            }.also { it.start() }
        }
        is WidgetSpec.Note -> Views.text(this, widget.value)
        is WidgetSpec.Acknowledge -> CheckBox(this).apply {
            isChecked = widget.acknowledged
            setOnCheckedChangeListener { _, on -> answer(widget.reference, AnswerValue.Acknowledged(on)) }
        }
    }

    /** Radio buttons for [choices] of a single-choice question. */
    private fun radios(widget: WidgetSpec.SingleChoice, choices: List<WidgetSpec.Choice>): RadioGroup =
        RadioGroup(this).apply {
            choices.forEachIndexed { i, choice ->
                addView(RadioButton(this@InterviewActivity).apply {
                    id = i + 1
                    text = choice.label
                    isChecked = choice.selected
                })
            }
            setOnCheckedChangeListener { _, checked ->
                choices.getOrNull(checked - 1)?.let { answer(widget.reference, AnswerValue.Choice(it.value)) }
            }
        }

    /** A long list: a search box, and the choices matching what is typed (see [WidgetSpec.SingleChoice.matching]). */
    private fun searchableChoice(widget: WidgetSpec.SingleChoice): LinearLayout = LinearLayout(this).apply {
        orientation = LinearLayout.VERTICAL
        val search = EditText(this@InterviewActivity).apply { hint = Word.SEARCH_CHOICE.text(app.language) }
        addView(search)
        var list = radios(widget, widget.matching("")).also { addView(it) }
        Views.afterTextChanged(search) { typed ->
            removeView(list)
            list = radios(widget, widget.matching(typed)).also { addView(it) }
        }
    }

    /** Every change to the field is an answer (not only when focus leaves it). */
    private fun EditText.savesEachChange(reference: String) {
        Views.afterTextChanged(this) { text -> answer(reference, AnswerValue.Text(text), typed = true) }
    }

    private fun takePhoto(reference: String) {
        val file = PhotoProvider.newFile(this)
        pendingPhoto = reference to file
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, PhotoProvider.uriFor(file))
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION)
        startActivityForResult(intent, TAKE_PHOTO)
    }

    @Deprecated("Framework-only app: startActivityForResult is the API level 24 way.")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        val (reference, file) = pendingPhoto ?: return
        pendingPhoto = null
        if (requestCode != TAKE_PHOTO || resultCode != RESULT_OK) return
        val current = visit ?: return
        app.executor.run({
            current.attachPhoto(reference, file.absolutePath).also { file.delete() }
        }) { result -> result.onSuccess { tap -> show(tap.screen); tap.refusal?.let(::showError) } }
    }

    private fun chooseSection(screen: ScreenSpec) {
        AlertDialog.Builder(this)
            .setTitle(Word.SECTIONS.text(app.language))
            .setItems(screen.sections.toTypedArray()) { _, which -> act { it.jump(which) } }
            .show()
    }

    private fun finalizeVisit() {
        val current = visit ?: return
        app.executor.run({ current.finalize() }) { result ->
            when (val step = result.getOrNull()) {
                FinalizeStep.Done -> {
                    UploadScheduler.schedule(this)
                    finish()
                }
                is FinalizeStep.Fix -> showError(step.problems.joinToString("\n"))
                is FinalizeStep.NeedReasons -> askReason(current, step)
                null -> showError(result.exceptionOrNull()?.message)
            }
        }
    }

    /**
     * Each warning in turn asks for its reason; a reason that will not do (see [Reasons]) is
     * refused with a message and asked again. When every warning has one, finalize again.
     */
    private fun askReason(current: OpenInterview, step: FinalizeStep.NeedReasons, index: Int = 0, problem: String? = null) {
        val warning = step.warnings.getOrNull(index) ?: return finalizeVisit()
        val lang = app.language
        val input = EditText(this).apply { hint = Word.REASON.text(lang) }
        val message = (if (lang == id.verivali.shell.UiLanguage.EN) warning.messageEn else warning.messageId) +
            "\n(${index + 1}/${step.warnings.size})" + (problem?.let { "\n\n$it" } ?: "")
        AlertDialog.Builder(this)
            .setTitle(Word.GO_ON_WITH_REASON.text(lang))
            .setMessage(message)
            .setView(input)
            .setPositiveButton(Word.FINALIZE.text(lang)) { _, _ ->
                val reason = input.text.toString()
                val refused = Reasons.problem(reason, lang)
                if (refused != null) {
                    askReason(current, step, index, refused)
                } else {
                    app.executor.run({ current.confirm(warning, reason) }) { askReason(current, step, index + 1) }
                }
            }
            .setNegativeButton(Word.BACK.text(lang), null)
            .show()
    }

    private fun showError(message: String?) {
        AlertDialog.Builder(this).setMessage(message ?: "?").setPositiveButton("OK", null).show()
    }

    companion object {
        const val HOUSEHOLD = "household"
        /** An intent extra: the interview to open (a returned one), before [HOUSEHOLD]. */
        const val INTERVIEW = "interview"
        private const val TAKE_PHOTO = 1
        private const val ASK_LOCATION = 2
    }
}
