// The files next to a form as ODK Collect serves them (jr://file/NAME, jr://file-csv/NAME), for our JavaRosa
// drivers. Without it JavaRosa loads an external instance it cannot find as empty, so a select_one_from_file
// offers no choices and paging through the form (as Collect shows it) drops its answer. A file that is not next
// to the form stays unresolved, as before.
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.javarosa.core.reference.PrefixedRootFactory;
import org.javarosa.core.reference.Reference;
import org.javarosa.core.reference.ReferenceManager;

final class FormMedia extends PrefixedRootFactory {
    private final File dir;

    private FormMedia(File dir) {
        super(new String[] {"jr://file/", "jr://file-csv/"});
        this.dir = dir;
    }

    /** Registers the form's folder; a file that is not there stays unresolved, as before. */
    static void register(File form) {
        File dir = form.getAbsoluteFile().getParentFile();
        ReferenceManager.instance().addReferenceFactory(new FormMedia(dir));
    }

    @Override
    public boolean derives(String uri) {
        return super.derives(uri) && new File(dir, uri.substring(uri.lastIndexOf('/') + 1)).isFile();
    }

    @Override
    protected Reference factory(String terminal, String uri) {
        File file = new File(dir, terminal);
        return new Reference() {
            public boolean doesBinaryExist() { return file.isFile(); }
            public InputStream getStream() throws IOException { return new FileInputStream(file); }
            public String getURI() { return uri; }
            public String getLocalURI() { return file.getAbsolutePath(); }
            public boolean isReadOnly() { return true; }
            public OutputStream getOutputStream() throws IOException { throw new IOException("read-only"); }
            public void remove() throws IOException { throw new IOException("read-only"); }
            public Reference[] probeAlternativeReferences() { return new Reference[0]; }
        };
    }
}
