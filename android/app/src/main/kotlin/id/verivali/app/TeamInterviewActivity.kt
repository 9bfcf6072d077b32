package id.verivali.app

import android.app.Activity
import android.app.AlertDialog
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Typeface
import android.os.Bundle
import android.text.InputType
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import id.verivali.shell.InlineMessage
import id.verivali.shell.ReviewLine
import id.verivali.shell.ReviewScreen
import id.verivali.shell.Team

/**
 * One team interview under review on a pengawas's phone (issue 18), as the receiver's page shows
 * it (see [Team.screen]): its changes first, then findings with the enumerator's reasons, the
 * house's point against the prelist's, the photos, and the answers by section, each change
 * against the prelist marked with the prelist's value struck through. While it can be decided, each answer has a comment field,
 * and "approve" or "return" sends the decision (see [Team.decision]); the core's refusal shows.
 */
class TeamInterviewActivity : Activity() {
    private lateinit var app: VerivaliApp
    private val body by lazy { Views.column(this) }
    /** The comment field of each answer, by reference, in screen order. */
    private val commentFields = LinkedHashMap<String, EditText>()
    private var note: EditText? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Team.TITLE
        app = VerivaliApp.of(this)
        setContentView(ScrollView(this).apply { addView(body) })
        load(null)
    }

    private val instanceId: String get() = intent.getStringExtra(INSTANCE) ?: ""

    /** The interview and its photos (decoded on the core's thread), then the screen; [done] over it. */
    private fun load(done: String?) {
        val id = instanceId
        app.executor.run({
            val detail = app.core.teamInterviewDetail(id)
            val photos = detail.photos.map { name ->
                val bytes = app.core.teamPhoto(id, name)
                BitmapFactory.decodeByteArray(bytes, 0, bytes.size)
            }
            Team.screen(detail) to photos
        }) { result ->
            result.onSuccess { (screen, photos) -> show(screen, photos, done) }
                .onFailure { e -> showError(Team.message(e)) }
        }
    }

    private fun show(screen: ReviewScreen, photos: List<Bitmap?>, done: String?) {
        commentFields.clear()
        body.removeAllViews()
        body.addView(Views.text(this, screen.title, 20f))
        body.addView(Views.text(this, screen.summary, 14f))
        done?.let { body.addView(Views.message(this, InlineMessage(InlineMessage.Level.INFO, it))) }
        screen.corrects?.let { body.addView(Views.text(this, it, 14f)) }
        val changes = screen.changes
        if (changes != null && (screen.changed.isNotEmpty() || screen.removed != null)) {
            body.addView(heading(changes))
            screen.corrected?.let { body.addView(Views.text(this, it, 14f)) }
            screen.changed.forEach { line ->
                body.addView(Views.text(this, "${line.label} · ${line.reference}", 14f))
                answer(line)
            }
            screen.removed?.let { body.addView(Views.marked(this, it, 14f)) }
        }

        body.addView(heading(Team.FINDINGS))
        screen.findings.forEach { body.addView(Views.text(this, it, 14f)) }
        if (screen.location.isNotEmpty()) {
            body.addView(heading(Team.LOCATION))
            screen.location.forEach { body.addView(Views.text(this, it, 14f)) }
        }
        if (photos.isNotEmpty()) {
            body.addView(heading(Team.PHOTOS))
            photos.forEachIndexed { i, bitmap ->
                if (bitmap == null) {
                    body.addView(Views.text(this, "${screen.photos[i]}: ${Team.PHOTO_UNREADABLE}", 14f))
                } else {
                    body.addView(ImageView(this).apply {
                        setImageBitmap(bitmap)
                        adjustViewBounds = true
                        maxHeight = PHOTO_HEIGHT
                        scaleType = ImageView.ScaleType.FIT_START
                        contentDescription = "${Team.PHOTOS}: ${screen.photos[i]}"
                    })
                }
            }
        }

        body.addView(heading(Team.ANSWERS))
        screen.unreadable?.let { body.addView(Views.text(this, it, 14f)) }
        for (part in screen.parts) {
            body.addView(heading(part.title))
            for (line in part.lines) {
                body.addView(Views.text(this, line.label, 14f))
                answer(line)
                if (screen.decides) {
                    val field = EditText(this).apply {
                        hint = Team.COMMENT
                        textSize = 14f
                        contentDescription = "${Team.COMMENT}: ${line.label}"
                        tag = line.reference
                        inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE
                    }
                    commentFields[line.reference] = field
                    body.addView(field)
                }
            }
        }
        note = null
        if (screen.decides) {
            body.addView(Views.text(this, Team.NOTE, 16f))
            note = EditText(this).apply {
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE
                contentDescription = Team.NOTE
            }.also { body.addView(it) }
            val buttons = Views.row(this)
            buttons.addView(Views.button(this, Team.APPROVE) { decide(approve = true) })
            buttons.addView(Views.button(this, Team.RETURN) { decide(approve = false) })
            body.addView(buttons, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT))
        }
    }

    private fun heading(text: String): TextView = Views.text(this, text, 18f).apply {
        typeface = Typeface.DEFAULT_BOLD
        setPadding(0, 32, 0, 8)
    }

    /** An answer, marked when it changed, with the prelist's value struck through and what else changed. */
    private fun answer(line: ReviewLine) {
        body.addView(if (line.changed) Views.marked(this, line.answer) else Views.text(this, line.answer))
        line.prelist?.let { body.addView(Views.struck(this, Team.PRELIST, it)) }
        line.marks.forEach { body.addView(Views.text(this, it, 14f)) }
    }

    /** Sends the decision; once recorded the screen shows the new state, else the core's refusal (the typed words stay). */
    private fun decide(approve: Boolean) {
        val id = instanceId
        val decision = Team.decision(approve, commentFields.mapValues { it.value.text.toString() }, note?.text?.toString() ?: "")
        app.executor.run({ app.core.reviewTeamInterview(id, decision.approve, decision.comments, decision.note) }) { result ->
            result.onSuccess { state -> load(Team.decided(state)) }.onFailure { e -> showError(Team.message(e)) }
        }
    }

    private fun showError(message: String) {
        AlertDialog.Builder(this).setMessage(message).setPositiveButton("OK", null).show()
    }

    companion object {
        /** An intent extra: the team interview's instanceID. */
        const val INSTANCE = "instance"
        private const val PHOTO_HEIGHT = 360
    }
}
