package id.verivali.core

import id.verivali.shell.InlineMessage
import id.verivali.shell.Reasons
import id.verivali.shell.ScreenLock
import id.verivali.shell.ScreenSpec
import id.verivali.shell.Provisioning
import id.verivali.shell.UiLanguage
import id.verivali.shell.UploadPolicy
import id.verivali.shell.WidgetSpec
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The decisions the app's screens used to make themselves, now here and tested. */
class ScreenRulesTest {
    private fun choice(value: String, label: String, selected: Boolean = false) = WidgetSpec.Choice(value, label, selected)

    private val floors = WidgetSpec.SingleChoice(
        "/data/perumahan/lantai", "Lantai", null, true, emptyList(),
        listOf(
            choice("1", "Marmer/granit"), choice("2", "Keramik", selected = true), choice("3", "Parket/vinil/karpet"),
            choice("4", "Ubin/tegel/teraso"), choice("5", "Kayu/papan kualitas tinggi"), choice("6", "Sementara/bata merah"),
            choice("7", "Bambu"), choice("8", "Kayu/papan kualitas rendah"), choice("9", "Tanah"), choice("10", "Lainnya"),
        ),
        searchable = true,
    )

    @Test
    fun a_searchable_list_shows_what_holds_every_typed_word_and_keeps_the_chosen_one() {
        assertEquals(listOf("2", "5", "8"), floors.matching("kayu").map { it.value })
        assertEquals(listOf("2", "8"), floors.matching("papan rendah").map { it.value })
        assertEquals(10, floors.matching("").size)
        assertEquals(3, floors.matching("", limit = 3).size)
        assertEquals(listOf("2"), floors.matching("nothing like it").map { it.value })
    }

    @Test
    fun a_date_field_says_what_to_type() {
        fun field(withTime: Boolean, timeOnly: Boolean) =
            WidgetSpec.DateField("/d", "d", null, false, emptyList(), "", withTime, timeOnly)
        assertEquals("YYYY-MM-DD", field(false, false).pattern)
        assertEquals("YYYY-MM-DD HH:MM", field(true, false).pattern)
        assertEquals("HH:MM", field(false, true).pattern)
    }

    private fun screen(canGoForward: Boolean, finalized: Boolean, vararg widgets: WidgetSpec) =
        ScreenSpec("h", widgets.toList(), null, null, null, emptyList(), true, canGoForward, finalized)

    @Test
    fun finalize_is_offered_on_the_last_screen_of_a_visit_not_finalized() {
        assertTrue(screen(canGoForward = false, finalized = false).offersFinalize)
        assertFalse(screen(canGoForward = true, finalized = false).offersFinalize)
        assertFalse(screen(canGoForward = false, finalized = true).offersFinalize)
    }

    @Test
    fun the_same_questions_update_in_place_and_others_redraw() {
        val name = WidgetSpec.TextField("/n", "Nama", null, true, emptyList(), "", WidgetSpec.Keyboard.TEXT, false)
        val warned = name.copy(value = "Alm. Budi", messages = listOf(InlineMessage(InlineMessage.Level.WARNING, "!")))
        assertTrue(screen(true, false, name, floors).sameQuestions(screen(true, false, warned, floors)))
        assertFalse(screen(true, false, name).sameQuestions(screen(true, false, name, floors)))
    }

    @Test
    fun a_reason_needs_a_few_characters_and_says_so_in_the_phones_language() {
        assertNull(Reasons.problem("Dicek RT", UiLanguage.ID))
        assertTrue(Reasons.problem("   ", UiLanguage.ID)!!.contains("alasan"))
        assertTrue(Reasons.problem("ok", UiLanguage.EN)!!.contains("reason"))
    }

    @Test
    fun the_pin_is_asked_until_it_is_given_then_not_again_in_this_process() {
        val lock = ScreenLock()
        val stored = Provisioning.hashPin("2580")
        assertFalse("nothing to ask without a PIN", lock.mustAsk(null))
        assertTrue(lock.mustAsk(stored))
        assertFalse(lock.tryUnlock("1234", stored))
        assertTrue(lock.mustAsk(stored))
        assertTrue(lock.tryUnlock("2580", stored))
        assertFalse(lock.mustAsk(stored))
    }

    private fun entry(state: UploadState) = OutboxEntry("uuid:x", "uuid:x", null, state, 0u, null, null)

    @Test
    fun the_outbox_says_where_each_interview_stands_and_counts_what_is_left_to_send() {
        assertEquals("uuid:x · Perlu tindakan", UploadPolicy.outboxLine(entry(UploadState.NEEDS_PERSON), UiLanguage.ID))
        assertEquals("uuid:x · Will retry", UploadPolicy.outboxLine(entry(UploadState.RETRY_LATER), UiLanguage.EN))
        val outbox = listOf(entry(UploadState.SENT), entry(UploadState.QUEUED), entry(UploadState.RETRY_LATER))
        assertEquals(2, UploadPolicy.toSend(outbox))
    }
}
