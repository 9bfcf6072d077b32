package id.verivali.shell

import id.verivali.core.QuestionView
import id.verivali.core.ReviewReturnView

/**
 * How a pengawas's return reads on the phone (issue 17): the notification when returns arrive,
 * the banner over a returned interview, the comment under its question and the mark in the
 * household list. Decided here so that tests can read them; the app only draws them. Each text
 * carries Bahasa Indonesia first and English after it, and says in words what a colour also
 * shows, so it is readable without colour.
 */
object Returns {
    const val COMMENT_LABEL = "Komentar pengawas / Pengawas's comment"
    const val LIST_MARK = "Dikembalikan pengawas / Returned by the pengawas"
    const val BANNER_TITLE = "Dikembalikan pengawas untuk dikoreksi / Returned by the pengawas for correction"
    const val CHANNEL_NAME = "Dikembalikan pengawas / Returned by the pengawas"

    /** The notification after returns were fetched: how many came back; null when none did. */
    fun notification(reopened: List<String>): String? {
        val count = reopened.size
        if (count == 0) return null
        val interviews = if (count == 1) "interview" else "interviews"
        return "$count wawancara dikembalikan pengawas untuk dikoreksi / $count $interviews returned by the pengawas for correction"
    }

    /** A question's comment as it shows right under the question's label. */
    fun comment(text: String): String = "$COMMENT_LABEL: ${text.trim()}"

    /**
     * The banner over every screen of a returned interview: the title, each comment on the whole
     * interview, and how many questions carry a comment of their own (shown under each).
     */
    fun banner(review: ReviewReturnView): String {
        val onTheWhole = review.comments.filter { it.reference == null }.map { "• ${it.text.trim()}" }
        val onQuestions = review.comments.count { it.reference != null }
        return (listOf(BANNER_TITLE) + onTheWhole + listOfNotNull(questionCount(onQuestions))).joinToString("\n")
    }

    /** "2 pertanyaan diberi komentar …", or null when no question has one. */
    fun questionCount(count: Int): String? = when (count) {
        0 -> null
        1 -> "1 pertanyaan diberi komentar, lihat di bawah labelnya / 1 question has a comment, under its label"
        else -> "$count pertanyaan diberi komentar, lihat di bawah labelnya / $count questions have a comment, under their labels"
    }

    /** Each commented question of a screen: its reference and the comment as it shows. */
    fun commentsOf(questions: List<QuestionView>): Map<String, String> =
        questions.mapNotNull { q -> q.reviewComment?.let { q.reference to comment(it) } }.toMap()
}
