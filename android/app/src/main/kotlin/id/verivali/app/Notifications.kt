package id.verivali.app

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.os.Build
import id.verivali.shell.Word

/** The upload notification: progress while sending, then the result or what needs a person. */
object Notifications {
    private const val CHANNEL = "uploads"
    private const val ID = 1

    private fun builder(context: Context): Notification.Builder {
        val manager = context.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
        return if (Build.VERSION.SDK_INT >= 26) {
            val name = Word.UPLOADING.text(VerivaliApp.of(context).language)
            manager.createNotificationChannel(NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_LOW))
            Notification.Builder(context, CHANNEL)
        } else {
            @Suppress("DEPRECATION")
            Notification.Builder(context)
        }.setSmallIcon(android.R.drawable.stat_sys_upload)
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

    private fun manager(context: Context) =
        context.getSystemService(Context.NOTIFICATION_SERVICE) as NotificationManager
}
