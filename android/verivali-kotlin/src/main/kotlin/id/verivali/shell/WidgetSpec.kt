package id.verivali.shell

import id.verivali.core.AnswerValue
import id.verivali.core.InputKind
import id.verivali.core.QuestionView

/**
 * What the app draws for a question: the decision of which widget, keyboard and messages, made
 * here (and tested on the JVM) so the Activity only turns a spec into framework views.
 */
sealed class WidgetSpec {
    abstract val reference: String
    abstract val label: String
    abstract val hint: String?
    abstract val required: Boolean
    abstract val messages: List<InlineMessage>

    enum class Keyboard { TEXT, NUMBER, SIGNED_DECIMAL, PHONE }

    data class TextField(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val value: String, val keyboard: Keyboard, val readOnly: Boolean,
    ) : WidgetSpec()

    data class DateField(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val value: String, val withTime: Boolean, val timeOnly: Boolean,
    ) : WidgetSpec() {
        /** What to type, shown in the empty field: the form the core reads. */
        val pattern: String
            get() = when {
                timeOnly -> "HH:MM"
                withTime -> "YYYY-MM-DD HH:MM"
                else -> "YYYY-MM-DD"
            }
    }

    data class Choice(val value: String, val label: String, val selected: Boolean)

    /** Radio buttons up to [RADIO_LIMIT] choices, a searchable list beyond. */
    data class SingleChoice(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val choices: List<Choice>, val searchable: Boolean,
    ) : WidgetSpec() {
        /**
         * The choices a searchable list shows for what was typed: those whose label holds every
         * typed word (any case), at most [limit], the chosen one always among them.
         */
        fun matching(query: String, limit: Int = SEARCH_LIMIT): List<Choice> {
            val words = query.lowercase().split(' ').filter { it.isNotBlank() }
            val found = choices.filter { choice -> words.all { it in choice.label.lowercase() } }.take(limit)
            val chosen = choices.filter { it.selected && it !in found }
            return chosen + found
        }
    }

    data class MultiChoice(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val choices: List<Choice>,
    ) : WidgetSpec()

    data class Photo(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val fileName: String?,
    ) : WidgetSpec()

    /** The GPS loop stops at [captureAccuracyM]; the core refuses fixes worse than [warningAccuracyM]. */
    data class Location(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val value: String, val captureAccuracyM: Double, val warningAccuracyM: Double,
    ) : WidgetSpec()

    data class Note(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val value: String,
    ) : WidgetSpec()

    data class Acknowledge(
        override val reference: String, override val label: String, override val hint: String?,
        override val required: Boolean, override val messages: List<InlineMessage>,
        val acknowledged: Boolean,
    ) : WidgetSpec()

    companion object {
        const val RADIO_LIMIT = 7

        /** The most choices a searchable list shows at once. */
        const val SEARCH_LIMIT = 30

        fun of(q: QuestionView, language: UiLanguage): WidgetSpec {
            val messages = listOfNotNull(q.error?.let { InlineMessage(InlineMessage.Level.ERROR, it) }) +
                q.findings.map { it.inline(language) }
            val label = q.label
            fun choices(selected: Set<String>) = q.choices.map { Choice(it.value, it.label, it.value in selected) }
            return when (q.kind) {
                InputKind.TEXT, InputKind.BARCODE -> TextField(
                    q.reference, label, q.hint, q.required, messages, q.value, keyboardFor(q), q.readonly,
                )
                InputKind.INTEGER, InputKind.RANGE -> TextField(
                    q.reference, label, q.hint, q.required, messages, q.value, Keyboard.NUMBER, q.readonly,
                )
                InputKind.DECIMAL -> TextField(
                    q.reference, label, q.hint, q.required, messages, q.value, Keyboard.SIGNED_DECIMAL, q.readonly,
                )
                InputKind.DATE -> DateField(q.reference, label, q.hint, q.required, messages, q.value, false, false)
                InputKind.TIME -> DateField(q.reference, label, q.hint, q.required, messages, q.value, false, true)
                InputKind.DATE_TIME -> DateField(q.reference, label, q.hint, q.required, messages, q.value, true, false)
                InputKind.SELECT_ONE -> SingleChoice(
                    q.reference, label, q.hint, q.required, messages, choices(setOfNotNull((q.answer as? AnswerValue.Choice)?.value)),
                    searchable = q.choices.size > RADIO_LIMIT,
                )
                InputKind.SELECT_MULTIPLE -> MultiChoice(
                    q.reference, label, q.hint, q.required, messages,
                    choices((q.answer as? AnswerValue.Choices)?.values.orEmpty().toSet()),
                )
                InputKind.PHOTO, InputKind.FILE -> Photo(
                    q.reference, label, q.hint, q.required, messages, q.value.ifEmpty { null },
                )
                InputKind.GEOPOINT -> Location(
                    q.reference, label, q.hint, q.required, messages, q.value,
                    q.locationPolicy?.captureAccuracyM ?: 5.0, q.locationPolicy?.warningAccuracyM ?: 100.0,
                )
                InputKind.NOTE -> Note(q.reference, label, q.hint, q.required, messages, q.value)
                InputKind.ACKNOWLEDGE -> Acknowledge(
                    q.reference, label, q.hint, q.required, messages, (q.answer as? AnswerValue.Acknowledged)?.acknowledged == true,
                )
            }
        }

        /** ODK's `numbers` appearance gets the phone keypad; everything else typed is text. */
        private fun keyboardFor(q: QuestionView): Keyboard =
            if (q.appearance?.contains("numbers") == true) Keyboard.PHONE else Keyboard.TEXT
    }
}
