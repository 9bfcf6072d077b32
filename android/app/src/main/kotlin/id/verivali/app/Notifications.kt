package id.verivali.app

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.os.Build
import id.verivali.shell.HouseholdStatus
import id.verivali.shell.Returns
import id.verivali.shell.Word

/**
 * The upload notification (progress while sending, then the result or what needs a person), and
 * its own one for interviews a pengawas returned, which opens the list filtered to them.
 */
object Notifications {
    private const val CHANNEL = "uploads"
    private const val ID = 1
    private const val RETURNS_CHANNEL = "returns"
    private const val RETURNS_ID = 2

    private fun builder(context: Context): Notification.Builder {
        val name = Word.UPLOADING.text(VerivaliApp.of(context).language)
        return builder(context, CHANNEL, name, NotificationManager.IMPORTANCE_LOW)
            .setSmallIcon(android.R.drawable.stat_sys_upload)
    }

    private fun builder(context: Context, channel: String, name: String, importance: Int): Notification.Builder =
        if (Build.VERSION.SDK_INT >= 26) {
            manager(context).createNotificationChannel(NotificationChannel(channel, name, importance))
            Notification.Builder(context, channel)
        } else {
            @Suppress("DEPRECATION")
            Notification.Builder(context)
        }

    fun progress(context: Context, text: String) {
        val notification = builder(context).setContentTitle(text).setOngoing(true).build()
        manager(context).notify(ID, notification)
    }

    fun result(context: Context, text: String?, needsPerson: Boolean) {
        if (text == null) {
            manager(context).cancel(ID)
            return
        }
        val open = Intent(context, if (needsPerson) OutboxActivity::class.java else HouseholdListActivity::class.java)
        val flags = if (Build.VERSION.SDK_INT >= 23) PendingIntent.FLAG_IMMUTABLE else 0
        val tap = PendingIntent.getActivity(context, 0, open, flags)
        val notification = builder(context).setContentTitle(text).setContentIntent(tap).setAutoCancel(true).build()
        manager(context).notify(ID, notification)
    }

    /** Interviews a pengawas returned ([Returns.notification]); tapping opens the list filtered to them. */
    fun returned(context: Context, text: String?) {
        if (text == null) return
        val open = Intent(context, HouseholdListActivity::class.java)
            .putExtra(HouseholdListActivity.FILTER, HouseholdStatus.RETURNED.name)
        val flags = if (Build.VERSION.SDK_INT >= 23) PendingIntent.FLAG_IMMUTABLE else 0
        val tap = PendingIntent.getActivity(context, RETURNS_ID, open, flags or PendingIntent.FLAG_UPDATE_CURRENT)
        val notification = builder(context, RETURNS_CHANNEL, Returns.CHANNEL_NAME, NotificationManager.IMPORTANCE_DEFAULT)
            .setSmallIcon(android.R.drawable.stat_notify_error)
            .setContentTitle(text)
            .setStyle(Notification.BigTextStyle().bigText(text))
            .setContentIntent(tap)
            .setAutoCancel(true)
            .build()
        manager(context).notify(RETURNS_ID, notification)
    }

    private fun manager(context: Context) =
        context.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
}
