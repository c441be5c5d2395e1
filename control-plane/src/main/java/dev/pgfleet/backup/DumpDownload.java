package dev.pgfleet.backup;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Streams a backup's dump as the response (for the API and the dashboard alike), synchronously, so that the
 * request's authentication covers the whole response. A directory-format dump goes out as one tar whose
 * SHA-256 and length are the recorded ones.
 */
final class DumpDownload {
    private DumpDownload() {
    }

    static void write(Backup b, Path dump, HttpServletResponse response) throws IOException {
        boolean directory = Backup.FORMAT_DIRECTORY.equals(b.getFormat());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment().filename(b.getId() + (directory ? ".tar" : ".dump")).build().toString());
        response.setHeader("X-Checksum-Sha256", b.getSha256());
        response.setContentType(directory ? "application/x-tar" : MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setContentLengthLong(b.getSizeBytes());
        OutputStream out = response.getOutputStream();
        if (directory) {
            DumpArchive.writeTar(dump, out);
        } else {
            Files.copy(dump, out);
        }
        out.flush();
    }
}
