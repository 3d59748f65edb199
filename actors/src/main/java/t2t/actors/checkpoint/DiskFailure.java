package t2t.actors.checkpoint;

import t2t.protocol.RunFailedException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A failed write to a run folder as one line that names the path, the operating system's reason
 * and what to do. Java reports a full disk as a bare "No space left on device" (a failed channel
 * write carries no path), so the path the caller was writing is added here.
 */
public final class DiskFailure {
    private DiskFailure() {}

    public static RunFailedException of(String what, Path path, IOException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (reason == null) {
            reason = e.getClass().getSimpleName();
        }
        String fix;
        if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
            reason += " (ENOSPC)";
            fix = "free space there, or point --out at a disk with room";
        } else if (e instanceof AccessDeniedException || reason.contains("Permission denied")
                || reason.contains("Read-only file system")) {
            fix = "make it writable, or point --out elsewhere";
        } else {
            fix = "check the disk and the folder's permissions";
        }
        return new RunFailedException(what + ": " + path + ": " + reason + "; " + fix, e);
    }
}
