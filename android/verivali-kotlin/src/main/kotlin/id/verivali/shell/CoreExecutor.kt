package id.verivali.shell

import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * Runs core calls off the UI thread, one at a time and in order, and hands each result back
 * through [post] (the app passes its main-thread Handler's `post`; tests pass `Runnable::run`).
 */
class CoreExecutor(private val post: (Runnable) -> Unit) {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor { runnable ->
        Thread(runnable, "verivali-core").apply { isDaemon = true }
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
