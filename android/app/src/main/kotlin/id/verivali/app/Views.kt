package id.verivali.app

import android.content.Context
import android.graphics.Color
import android.text.Editable
import android.text.SpannableString
import android.text.Spanned
import android.text.TextWatcher
import android.text.style.StrikethroughSpan
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import id.verivali.shell.InlineMessage

/** Small builders for views made in code. */
object Views {
    fun column(context: Context): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        setPadding(32, 32, 32, 32)
    }

    fun row(context: Context): LinearLayout = LinearLayout(context).apply { orientation = LinearLayout.HORIZONTAL }

    fun text(context: Context, value: String, size: Float = 16f): TextView = TextView(context).apply {
        text = value
        textSize = size
    }

    fun button(context: Context, label: String, onClick: () -> Unit): Button = Button(context).apply {
        text = label
        setOnClickListener { onClick() }
    }

    fun message(context: Context, message: InlineMessage): TextView = text(context, message.text, 14f).apply {
        setTextColor(
            when (message.level) {
                InlineMessage.Level.ERROR -> Color.rgb(183, 28, 28)
                InlineMessage.Level.WARNING -> Color.rgb(230, 81, 0)
                InlineMessage.Level.INFO -> Color.rgb(21, 101, 192)
            },
        )
    }

    /**
     * A pengawas's words: the banner over a returned interview, or a comment under a question's
     * label. Framed and tinted to stand out; the text itself says whose words they are.
     */
    fun review(context: Context, value: String, size: Float = 15f): TextView = text(context, value, size).apply {
        setTextColor(Color.rgb(74, 20, 140))
        setBackgroundColor(Color.rgb(243, 229, 245))
        setPadding(16, 12, 16, 12)
    }

    /**
     * An answer that differs from the prelist, highlighted as the receiver's pages mark it; the
     * words around it say so too (the prelist's value, "baru / new").
     */
    fun marked(context: Context, value: String, size: Float = 16f): TextView = text(context, value, size).apply {
        setTextColor(Color.rgb(33, 33, 33))
        setBackgroundColor(Color.rgb(255, 241, 118))
        setPadding(8, 4, 8, 4)
    }

    /** [label] then [value] struck through: a value the answer replaced (the prelist's). */
    fun struck(context: Context, label: String, value: String, size: Float = 14f): TextView {
        val spanned = SpannableString(label + value)
        spanned.setSpan(StrikethroughSpan(), label.length, label.length + value.length, Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
        return TextView(context).apply {
            text = spanned
            textSize = size
        }
    }

    /** Calls [action] with the text after every change to [field]. */
    fun afterTextChanged(field: EditText, action: (String) -> Unit) {
        field.addTextChangedListener(object : TextWatcher {
            override fun afterTextChanged(s: Editable?) = action(s?.toString() ?: "")
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) {}
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) {}
        })
    }

    fun gone(view: View) {
        view.visibility = View.GONE
    }
}
