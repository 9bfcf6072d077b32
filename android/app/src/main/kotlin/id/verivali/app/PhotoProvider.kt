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
 * Hands the camera app one writable file of ours (a FileProvider-like provider without
 * AndroidX): `content://id.verivali.app.photos/NAME` maps to `cacheDir/camera/NAME`, nothing else.
 */
class PhotoProvider : ContentProvider() {
    override fun onCreate(): Boolean = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val context = context ?: throw FileNotFoundException("no context")
        val name = uri.lastPathSegment ?: throw FileNotFoundException("no name")
        if (!NAME.matches(name)) throw FileNotFoundException("not ours")
        val file = File(directory(context), name)
        return ParcelFileDescriptor.open(file, ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri): String = "image/jpeg"
    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, args: Array<out String>?, sort: String?): Cursor? = null
    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, selection: String?, args: Array<out String>?): Int = 0
    override fun update(uri: Uri, values: ContentValues?, selection: String?, args: Array<out String>?): Int = 0

    companion object {
        const val AUTHORITY = "id.verivali.app.photos"
        private val NAME = Regex("""photo-\d+\.jpg""")

        private fun directory(context: Context): File = File(context.cacheDir, "camera").apply { mkdirs() }

        fun newFile(context: Context): File = File(directory(context), "photo-${System.currentTimeMillis()}.jpg")

        fun uriFor(file: File): Uri = Uri.parse("content://$AUTHORITY/${file.name}")
    }
}
