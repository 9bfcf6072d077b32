package id.verivali.shell

import id.verivali.core.CoreLogger
import id.verivali.core.LogEvent
import id.verivali.core.LogLevel
import id.verivali.core.setCoreLogger

/** Where the core's log lines go: the app passes `android.util.Log.println`, a test a list. */
fun interface LogSink {
    fun write(priority: Int, tag: String, message: String)
}

/**
 * Hands the core's `tracing` events to a [LogSink] (Logcat on a phone), so that an error the core
 * logs is not lost. The core masks long digit runs (NIK, No. KK, phone) before an event leaves it.
 */
class CoreLogForwarder(private val sink: LogSink) : CoreLogger {
    override fun log(event: LogEvent) {
        sink.write(priorityOf(event.level), tagOf(event.target), event.message)
    }

    companion object {
        /** `android.util.Log`'s priorities: VERBOSE 2, DEBUG 3, INFO 4, WARN 5, ERROR 6. */
        fun priorityOf(level: LogLevel): Int = when (level) {
            LogLevel.TRACE -> 2
            LogLevel.DEBUG -> 3
            LogLevel.INFO -> 4
            LogLevel.WARN -> 5
            LogLevel.ERROR -> 6
        }

        /** A Logcat tag (23 characters at most): `vv.` and the module's last part, e.g. `vv.upload`. */
        fun tagOf(target: String): String = ("vv." + target.substringAfterLast("::")).take(23)

        /** Starts forwarding the core's events at [level] and above; once per process is enough. */
        fun install(sink: LogSink, level: LogLevel = LogLevel.INFO) {
            setCoreLogger(CoreLogForwarder(sink), level)
        }
    }
}
