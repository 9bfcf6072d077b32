package id.verivali.app

import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener
import kotlin.system.exitProcess

/** Every Robolectric test class of the app module. */
val ROBOLECTRIC_TESTS: List<Class<*>> = listOf(
    ProvisioningTest::class.java,
    UnlockTest::class.java,
    StoreProblemsTest::class.java,
    DatabaseKeyTest::class.java,
    UploadTest::class.java,
    InterviewTest::class.java,
    ScreensTest::class.java,
    ReturnsTest::class.java,
    TeamTest::class.java,
)

/** Runs the app's Robolectric tests and prints the line CI reads: `robolectric: N passed, M failed`. */
fun main() {
    val core = JUnitCore()
    core.addListener(object : RunListener() {
        override fun testFailure(failure: Failure) {
            System.err.println("FAILED ${failure.testHeader}: ${failure.message}")
            System.err.println(failure.trace.lines().take(25).joinToString("\n"))
        }
    })
    // `-Dverivali.only=InterviewTest,UploadTest` runs those classes only (while working on them).
    val only = System.getProperty("verivali.only")?.split(',')?.map { it.trim() }
    val classes = ROBOLECTRIC_TESTS.filter { only == null || it.simpleName in only }
    val result = core.run(*classes.toTypedArray())
    val failed = result.failureCount
    println("robolectric: ${result.runCount - failed} passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
