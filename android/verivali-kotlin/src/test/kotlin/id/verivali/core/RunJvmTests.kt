package id.verivali.core

import kotlin.system.exitProcess
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure

/** Runs the JVM tests and prints the summary line CI reads: `kotlin-jvm: N passed, M failed`. */
fun main() {
    val result = JUnitCore.runClasses(
        PrelistTest::class.java,
        InterviewTest::class.java,
        EvidenceTest::class.java,
        ShellTest::class.java,
        HouseholdFilterTest::class.java,
        SharingTest::class.java,
        UploadTest::class.java,
        CoreLogTest::class.java,
        StoreOpeningTest::class.java,
        WrappedKeyFileTest::class.java,
        ScreenRulesTest::class.java,
        ReturnsTest::class.java,
        TeamTest::class.java,
    )
    result.failures.forEach { failure: Failure ->
        System.err.println("FAILED ${failure.testHeader}: ${failure.message}")
        System.err.println(failure.trace)
    }
    val failed = result.failureCount
    val passed = result.runCount - failed
    println("kotlin-jvm: $passed passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
