package id.verivali.app

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import java.io.File
import java.io.FileNotFoundException

/**
 * Our files for other apps (a FileProvider-like provider without AndroidX):
 * `content://id.verivali.app.photos/NAME` is a camera output in `cacheDir/camera` (writable by the
 * camera app), `…/bundles/NAME` a bundle in `cacheDir/bundles` (read-only, for the share sheet).
 * Nothing else is reachable.
 */
class PhotoProvider : ContentProvider() {
    override fun onCreate(): Boolean = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val context = context ?: throw FileNotFoundException("no context")
        val name = uri.lastPathSegment ?: throw FileNotFoundException("no name")
        val segments = uri.pathSegments
        if (segments.size == 2 && segments[0] == "bundles" && BUNDLE.matches(name)) {
            val file = File(bundleDirectory(context), name)
            return ParcelFileDescriptor.open(file, ParcelFileDescriptor.MODE_READ_ONLY)
        }
        if (segments.size != 1 || !NAME.matches(name)) throw FileNotFoundException("not ours")
        val file = File(directory(context), name)
        return ParcelFileDescriptor.open(file, ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri): String =
        if (uri.pathSegments.firstOrNull() == "bundles") "application/octet-stream" else "image/jpeg"
    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, args: Array<out String>?, sort: String?): Cursor? = null
    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, selection: String?, args: Array<out String>?): Int = 0
    override fun update(uri: Uri, values: ContentValues?, selection: String?, args: Array<out String>?): Int = 0

    companion object {
        const val AUTHORITY = "id.verivali.app.photos"
        private val NAME = Regex("""photo-\d+\.jpg""")

        private val BUNDLE = Regex("""verivali-\d+\.vvbundle""")

        private fun directory(context: Context): File = File(context.cacheDir, "camera").apply { mkdirs() }

        fun bundleDirectory(context: Context): File = File(context.cacheDir, "bundles").apply { mkdirs() }

        fun bundleUri(fileName: String): Uri = Uri.parse("content://$AUTHORITY/bundles/$fileName")

        fun newFile(context: Context): File = File(directory(context), "photo-${System.currentTimeMillis()}.jpg")

        fun uriFor(file: File): Uri = Uri.parse("content://$AUTHORITY/${file.name}")
    }
}
