package id.verivali.core

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * The core as the Android shell will use it, on a desktop JVM against the host-built library.
 * The sample prelist path comes from the `verivali.sample` system property.
 */
class PrelistTest {
    private val sample = File(System.getProperty("verivali.sample") ?: error("set -Dverivali.sample"))

    private fun newKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

    private fun newDataDir(): String = Files.createTempDirectory("verivali-kt").toString()

    /** The first household's ID, and its first member's NIK and given name, read from the sample. */
    private fun firstHousehold(): Triple<String, String, String> {
        val line = sample.useLines { it.first() }
        val id = Regex("\"id_dtks\":\"([^\"]+)\"").find(line)!!.groupValues[1]
        val nik = Regex("\"nik\":\"(\\d{16})\"").find(line)!!.groupValues[1]
        val name = Regex("\"nama\":\"([^\"]+)\"").find(line)!!.groupValues[1]
        return Triple(id, nik, name.substringBefore(' '))
    }

    private fun importedStore(): Verivali {
        val store = Verivali.open(newDataDir(), newKey())
        store.importPrelist(sample.path, null)
        return store
    }

    @Test
    fun coreVersionIsReported() {
        assertTrue(coreVersion().matches(Regex("\\d+\\.\\d+\\.\\d+.*")))
    }

    @Test
    fun importOfTheSampleReportsProgressAndCountsEveryHousehold() {
        val calls = AtomicInteger()
        val last = AtomicReference<ImportProgress>()
        val listener = object : ImportProgressListener {
            override fun onProgress(progress: ImportProgress) {
                calls.incrementAndGet()
                last.set(progress)
            }
        }
        Verivali.open(newDataDir(), newKey()).use { store ->
            val summary = store.importPrelist(sample.path, listener)
            assertEquals(200uL, summary.imported)
            assertEquals(0uL, summary.rejected)
            assertTrue("progress was reported ${calls.get()} times", calls.get() >= 2)
            assertEquals(sample.length().toULong(), last.get().bytesRead)
            assertEquals(last.get().bytesTotal, last.get().bytesRead)
            assertEquals(200uL, last.get().imported)
            assertEquals(200uL, store.householdCount())
        }
    }

    @Test
    fun searchByNikFindsTheHousehold() {
        val (id, nik, _) = firstHousehold()
        importedStore().use { store ->
            val results = store.search(SearchRequest(nik, null, 20u), 0u)
            assertEquals(id, results.hits.first().idDtks)
            assertEquals(MatchKind.NIK, results.hits.first().matchedBy)
        }
    }

    @Test
    fun searchByNamePrefixFindsTheHouseholdAmongOthers() {
        val (id, _, given) = firstHousehold()
        importedStore().use { store ->
            val prefix = given.take(3).lowercase()
            var page = 0u
            val ids = mutableListOf<String>()
            do {
                val results = store.search(SearchRequest(prefix, null, 50u), page)
                results.hits.forEach { assertEquals(MatchKind.NAME, it.matchedBy) }
                ids += results.hits.map { it.idDtks }
                page++
            } while (results.hasMore)
            assertTrue("$id among ${ids.size} hits", id in ids)
            assertEquals("pages do not repeat households", ids.size, ids.toSet().size)
        }
    }

    @Test
    fun householdComesBackWithMembersAndTheFullRecord() {
        val (id, nik, _) = firstHousehold()
        importedStore().use { store ->
            val household = store.household(id)
            assertNotNull(household)
            assertEquals(nik, household!!.members.first().nik)
            assertTrue(household.recordJson.contains("\"members\""))
            assertNull(store.household("no-such-household"))
        }
    }

    @Test
    fun wrongKeyRaisesWrongKey() {
        val dir = newDataDir()
        Verivali.open(dir, newKey()).use { it.importPrelist(sample.path, null) }
        try {
            Verivali.open(dir, newKey())
            fail("a wrong key must not open the store")
        } catch (expected: VerivaliException.WrongKey) {
            // The shell asks for the PIN again; nothing on disk was touched.
        }
    }

    @Test
    fun keyOfTheWrongLengthRaisesInvalidKey() {
        try {
            Verivali.open(newDataDir(), ByteArray(16))
            fail("a 16-byte key must be refused")
        } catch (e: VerivaliException.InvalidKey) {
            assertFalse(e.reason.isEmpty())
        }
    }

    @Test
    fun badAreaFilterRaisesInvalidInput() {
        importedStore().use { store ->
            try {
                store.search(SearchRequest("siti", "Kota Bandung", 20u), 0u)
                fail("an area that is not a code must be refused")
            } catch (e: VerivaliException.InvalidInput) {
                assertTrue(e.reason.contains("area"))
            }
        }
    }
}
