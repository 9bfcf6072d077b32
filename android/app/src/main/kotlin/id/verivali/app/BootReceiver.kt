package id.verivali.app

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent

/** After a reboot (or an app update), the upload job is put back if anything waits. */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action == Intent.ACTION_BOOT_COMPLETED || intent.action == Intent.ACTION_MY_PACKAGE_REPLACED) {
            UploadScheduler.schedule(context)
        }
    }
}
