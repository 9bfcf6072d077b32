/* Stand-in for the NDK's <android/log.h>, for `cargo check --target aarch64-linux-android` on a
 * machine without the NDK. It declares what SQLCipher's Android logging uses; nothing links it. */
#ifndef VERIVALI_ANDROID_LOG_STUB_H
#define VERIVALI_ANDROID_LOG_STUB_H
#include <stdarg.h>
typedef enum android_LogPriority {
  ANDROID_LOG_UNKNOWN = 0, ANDROID_LOG_DEFAULT, ANDROID_LOG_VERBOSE, ANDROID_LOG_DEBUG,
  ANDROID_LOG_INFO, ANDROID_LOG_WARN, ANDROID_LOG_ERROR, ANDROID_LOG_FATAL, ANDROID_LOG_SILENT
} android_LogPriority;
int __android_log_write(int prio, const char *tag, const char *text);
int __android_log_print(int prio, const char *tag, const char *fmt, ...);
int __android_log_vprint(int prio, const char *tag, const char *fmt, va_list ap);
#endif
