package id.verivali.shell

import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * Runs core calls off the UI thread, one at a time and in order, and hands each result back
 * through [post] (the app passes its main-thread Handler's `post`; tests pass `Runnable::run`).
 */
class CoreExecutor(private val post: (Runnable) -> Unit) {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor { runnable ->
        // A form's expressions may nest up to the core's bound (256 levels); evaluating them
        // recurses, so the core's thread gets a stack well above Android's 1 MB default.
        Thread(null, runnable, "verivali-core", CORE_STACK_BYTES).apply { isDaemon = true }
    }

    companion object {
        const val CORE_STACK_BYTES: Long = 8L * 1024 * 1024
    }

    fun <T> run(work: () -> T, done: (Result<T>) -> Unit) {
        worker.execute {
            val result = runCatching(work)
            post(Runnable { done(result) })
        }
    }

    fun shutdown() {
        worker.shutdown()
    }
}
