package id.verivali.core

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * Evidence as the shell hands it over: the camera's file path for a photo question, a GPS fix
 * for the location question. Fixtures come from `verivali.photos`; the mini form asks for at
 * most 320 px on the house photo and 5 m / 30 m accuracy.
 */
class EvidenceTest {
    private val photos = Fixtures.photos

    private fun visit(store: Verivali): Interview {
        val interview = store.startInterview("mini_verivali", Fixtures.firstHouseholdId())
        assertEquals(AnswerResult.Saved, interview.answer("/data/status_keberadaan", AnswerValue.Choice("4")).result)
        return interview
    }

    private fun provisioned(): Verivali = Fixtures.provisioned()

    @Test
    fun aCameraPhotoBecomesASmallUprightAnswerAndABadFileChangesNothing() {
        provisioned().use { store ->
            visit(store).use { interview ->
                val photo = interview.attachPhoto("/data/bukti/foto_rumah", File(photos, "exif-6.jpg").path)
                assertEquals(AnswerResult.Saved, photo.answer)
                assertEquals(320u, photo.width)
                assertEquals(240u, photo.height)
                assertTrue(photo.bytes < photo.sourceBytes)
                try {
                    interview.attachPhoto("/data/bukti/foto_rumah", File(photos, "truncated.jpg").path)
                    fail("a truncated photo must be refused")
                } catch (refused: VerivaliException.PhotoRejected) {
                    assertEquals(PhotoProblem.TRUNCATED, refused.problem)
                    assertTrue(refused.reason, refused.reason.contains(" / "))
                }
                assertEquals(1u, interview.photoTotals().count)
                assertTrue(interview.submissionXml().contains(">${photo.fileName}<"))
            }
        }
    }

    @Test
    fun aFixIsTakenOrRefusedByTheFormsAccuracyAndTheScreenSaysWhatToWaitFor() {
        provisioned().use { store ->
            visit(store).use { interview ->
                var screen = interview.screen()
                while (screen.questions.none { it.reference == "/data/bukti/lokasi_rumah" }) {
                    if (!screen.canGoForward) fail("no screen shows the location question")
                    screen = interview.next()
                }
                val policy = screen.questions.single { it.reference == "/data/bukti/lokasi_rumah" }.locationPolicy
                assertNotNull(policy)
                assertEquals(5.0, policy!!.captureAccuracyM, 0.0)
                assertEquals(30.0, policy.warningAccuracyM, 0.0)

                val far = interview.setLocation("/data/bukti/lokasi_rumah", GeopointInput(-8.58, 116.12, 0.0, 60.0))
                assertEquals(FixQualityView.UNACCEPTABLE, far.quality)
                assertNull(far.answer)
                val good = interview.setLocation("/data/bukti/lokasi_rumah", GeopointInput(-8.58, 116.12, 9.0, 3.5))
                assertEquals(FixQualityView.GOOD, good.quality)
                assertEquals(AnswerResult.Saved, good.answer)
                assertTrue(interview.submissionXml().contains("<lokasi_rumah>-8.58 116.12 9.0 3.5</lokasi_rumah>"))
            }
        }
    }
}
