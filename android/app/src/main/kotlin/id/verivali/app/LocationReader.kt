package id.verivali.app

import android.content.Context
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Bundle
import android.os.Looper

/** Streams GPS fixes to [onFix] until stopped; whether a fix is good enough is the core's call. */
class LocationReader(
    context: Context,
    private val onFix: (latitude: Double, longitude: Double, altitude: Double, accuracy: Double) -> Unit,
) : LocationListener {
    private val manager = context.getSystemService(Context.LOCATION_SERVICE) as LocationManager

    fun start() {
        try {
            manager.requestLocationUpdates(LocationManager.GPS_PROVIDER, 1000L, 0f, this, Looper.getMainLooper())
        } catch (denied: SecurityException) {
            // The permission request is the activity's; without it there is simply no fix.
        }
    }

    fun stop() {
        manager.removeUpdates(this)
    }

    override fun onLocationChanged(location: Location) {
        val altitude = if (location.hasAltitude()) location.altitude else 0.0
        onFix(location.latitude, location.longitude, altitude, location.accuracy.toDouble())
    }

    // Needed on API 24–29, where these are abstract.
    @Deprecated("Deprecated in API 29")
    override fun onStatusChanged(provider: String?, status: Int, extras: Bundle?) {}

    override fun onProviderEnabled(provider: String) {}

    override fun onProviderDisabled(provider: String) {}
}
