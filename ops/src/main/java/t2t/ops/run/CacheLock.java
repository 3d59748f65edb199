package t2t.ops.run;

import t2t.actors.checkpoint.DiskFailure;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The one writer of a shared cache entry: an exclusive lock on a lock file beside it, held across
 * processes (an OS file lock; on NFS, fcntl locks need NFSv4 or lockd) and across threads of this
 * JVM (a file lock is per process, so threads queue on a semaphore first). While it waits it says
 * so every {@link #REPORT_EVERY}, so a node that waits on another's teacher training is not silent.
 */
final class CacheLock implements AutoCloseable {
    static final Duration REPORT_EVERY = Duration.ofSeconds(30);
    private static final Map<Path, Semaphore> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Semaphore local;
    private final FileChannel channel;
    private final FileLock lock;

    private CacheLock(Semaphore local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits for the lock on {@code lockFile}, saying on {@code err} what it waits for ({@code what}). */
    static CacheLock acquire(Path lockFile, String what, PrintStream err) {
        Path key = lockFile.toAbsolutePath().normalize();
        Semaphore local = IN_THIS_JVM.computeIfAbsent(key, k -> new Semaphore(1));
        long started = System.nanoTime();
        try {
            while (!local.tryAcquire(REPORT_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                waiting(err, what, key, started);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + key, e);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long lastSaid = System.nanoTime();
            FileLock l;
            while ((l = ch.tryLock()) == null) {
                if (System.nanoTime() - lastSaid >= REPORT_EVERY.toNanos()) {
                    waiting(err, what, key, started);
                    lastSaid = System.nanoTime();
                }
                Thread.sleep(200);
            }
            return new CacheLock(local, ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            local.release();
            throw DiskFailure.of("cannot lock the cache", key, e);
        } catch (InterruptedException e) {
            closeQuietly(ch);
            local.release();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + key, e);
        }
    }

    private static void waiting(PrintStream err, String what, Path key, long started) {
        err.printf("t2t: still waiting (%d s) for %s: another process holds %s%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), what, key);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing releases the lock, if it was taken; nothing else to do
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it too
        } finally {
            closeQuietly(channel);
            local.release();
        }
    }
}
