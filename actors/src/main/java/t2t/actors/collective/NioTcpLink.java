package t2t.actors.collective;

import t2t.protocol.TensorCodec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The ring over plain java.nio sockets, driven by the collective's own thread: non-blocking channels and one
 * selector, so that whenever this rank waits for the previous rank it also pushes its queued chunks to the next one,
 * and no rank can block the ring by not reading. Chunks go out from direct buffers (the floats are copied once, into
 * the buffer, and the kernel reads them from there) and come in through one direct buffer, from which each read's
 * floats are added into the vector at once: the copies gloo makes, and no thread hand-over.
 *
 * <p>The connection from the previous rank opens with a hello (session, rank, world): a connection that is not
 * from this group's previous rank is closed and counted, and the rank keeps waiting for the right one. After that
 * the listening socket is closed. Frames are a {@link ChunkHeader} and its floats, as on {@link StreamTcpLink}.
 */
final class NioTcpLink implements RingLink {
    /** "T2TH", little-endian. */
    private static final int HELLO_MAGIC = 0x48543254;
    private static final int SESSION_BYTES = 64;
    private static final int HELLO_BYTES = 16 + SESSION_BYTES;
    /** Chunks queued for the next rank before {@link #send} waits: well above the ring's window, far below memory. */
    private static final int MAX_QUEUED = 4 * RingCollective.WINDOW;
    private static final int READ_BYTES = TensorCodec.MAX_CHUNK_BYTES;

    private final CollectiveConfig cfg;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final int port;
    private final ArrayDeque<ByteBuffer> queued = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
    private final ByteBuffer header = ByteBuffer.allocateDirect(ChunkHeader.BYTES);
    private final ByteBuffer reads = ByteBuffer.allocateDirect(READ_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final FloatPayload payload = new FloatPayload();
    private SocketChannel out;
    private SocketChannel in;
    private SelectionKey outKey;
    private SelectionKey inKey;
    private int payloadBytes;
    private long refusedConnections;

    private NioTcpLink(CollectiveConfig cfg, ServerSocketChannel server, Selector selector) throws IOException {
        this.cfg = cfg;
        this.server = server;
        this.selector = selector;
        this.port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    static NioTcpLink bind(CollectiveConfig cfg) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(cfg.host(), cfg.port()));
            return new NioTcpLink(cfg, server, Selector.open());
        } catch (IOException e) {
            server.close();
            throw new IOException("could not listen on " + cfg.host() + ":" + cfg.port(), e);
        }
    }

    @Override
    public int port() {
        return port;
    }

    /** Connections turned away because their hello was not from this group's previous rank. */
    long refusedConnections() {
        return refusedConnections;
    }

    @Override
    public void connect(Endpoint next, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        out = SocketChannel.open();
        out.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        try {
            out.socket().connect(new InetSocketAddress(next.host(), next.port()), (int) Math.max(1, timeout.toMillis()));
        } catch (IOException e) {
            throw new IOException("could not connect to the next rank at " + next.host() + ":" + next.port(), e);
        }
        out.write(hello(cfg.rank()));
        out.configureBlocking(false);
        outKey = out.register(selector, 0);
        in = accept(deadline);
        server.close();
        inKey = in.register(selector, SelectionKey.OP_READ);
    }

    private ByteBuffer hello(int rank) {
        ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        byte[] session = cfg.session().getBytes(StandardCharsets.US_ASCII);
        b.putInt(HELLO_MAGIC).putInt(rank).putInt(cfg.worldSize()).putInt(session.length).put(session);
        return b.position(HELLO_BYTES).flip();
    }

    /** Accepts connections until one says hello as this group's previous rank; the others are closed and counted. */
    private SocketChannel accept(long deadline) throws IOException {
        ByteBuffer expected = hello(Math.floorMod(cfg.rank() - 1, cfg.worldSize()));
        Map<SocketChannel, ByteBuffer> waiting = new HashMap<>();
        try (Selector s = Selector.open()) {
            server.configureBlocking(false);
            server.register(s, SelectionKey.OP_ACCEPT);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the previous rank did not connect within " + cfg.timeout()
                            + " (" + refusedConnections + " other connections turned away)");
                }
                s.select(Math.max(1, left / 1_000_000));
                for (SelectionKey k : s.selectedKeys()) {
                    if (k.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            c.configureBlocking(false);
                            c.register(s, SelectionKey.OP_READ);
                            waiting.put(c, ByteBuffer.allocate(HELLO_BYTES));
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        ByteBuffer got = waiting.get(c);
                        int n = c.read(got);
                        if (n < 0 || (!got.hasRemaining() && !Arrays.equals(got.array(), expected.array()))) {
                            k.cancel();
                            waiting.remove(c).clear();
                            c.close();
                            refusedConnections++;
                        } else if (!got.hasRemaining()) {
                            k.cancel();
                            waiting.remove(c);
                            s.selectNow();
                            c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                            return c;
                        }
                    }
                }
                s.selectedKeys().clear();
            }
        } finally {
            for (SocketChannel c : waiting.keySet()) {
                c.close();
            }
        }
    }

    @Override
    public void send(ChunkHeader h, float[] data, int from) {
        long deadline = System.nanoTime() + cfg.timeout().toNanos();
        while (queued.size() >= MAX_QUEUED) {
            flush();
            if (queued.size() >= MAX_QUEUED && !await(deadline, false)) {
                throw new CollectiveException("the next rank took no data for " + cfg.timeout());
            }
        }
        int bytes = ChunkHeader.BYTES + h.floats() * Float.BYTES;
        ByteBuffer b = spare.poll();
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.max(bytes, ChunkHeader.BYTES + cfg.chunkFloats() * Float.BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        b.clear();
        h.writeTo(b);
        b.asFloatBuffer().put(data, from, h.floats());
        b.position(bytes).flip();
        queued.add(b);
        flush();
    }

    /** Writes queued chunks until the socket takes no more. */
    private void flush() {
        try {
            while (!queued.isEmpty()) {
                ByteBuffer b = queued.peek();
                out.write(b);
                if (b.hasRemaining()) {
                    return;
                }
                spare.add(queued.poll());
            }
        } catch (IOException e) {
            throw new CollectiveException("connection to the next rank failed", e);
        }
    }

    /**
     * Waits until the previous rank's socket has data ({@code forRead}) or, while chunks are queued, the next rank's
     * socket takes more. False when {@code deadline} passed first.
     */
    private boolean await(long deadline, boolean forRead) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        outKey.interestOps(queued.isEmpty() ? 0 : SelectionKey.OP_WRITE);
        inKey.interestOps(forRead ? SelectionKey.OP_READ : 0);
        try {
            selector.select(Math.max(1, left / 1_000_000));
        } catch (IOException e) {
            throw new CollectiveException("waiting on the ring's sockets failed", e);
        }
        selector.selectedKeys().clear();
        return true;
    }

    /** Reads into {@code b} until it is full; false when {@code deadline} passed first. */
    private boolean fill(ByteBuffer b, long deadline) {
        while (b.hasRemaining()) {
            if (read(b) == 0) {
                flush();
                if (!await(deadline, true)) {
                    return false;
                }
            }
        }
        return true;
    }

    private int read(ByteBuffer b) {
        try {
            int n = in.read(b);
            if (n < 0) {
                throw new CollectiveException("the previous rank closed its connection");
            }
            return n;
        } catch (IOException e) {
            throw new CollectiveException("connection from the previous rank failed", e);
        }
    }

    @Override
    public ChunkHeader receive(Duration timeout) {
        if (payloadBytes != 0) {
            throw new IllegalStateException("the previous chunk's floats were not taken");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!fill(header, deadline)) {
            return null;
        }
        header.flip();
        ChunkHeader h = ChunkHeader.readFrom(header);
        header.clear();
        payloadBytes = h.floats() * Float.BYTES;
        return h;
    }

    @Override
    public void readPayload(float[] data, int at, boolean add, Duration timeout) {
        payload.begin(data, at, payloadBytes / Float.BYTES, add);
        consumePayload(timeout, true);
    }

    @Override
    public void skipPayload(Duration timeout) {
        consumePayload(timeout, false);
    }

    /** Reads the current chunk's floats as they arrive, into {@link #payload} when {@code use}. */
    private void consumePayload(Duration timeout, boolean use) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (payloadBytes > 0) {
            reads.clear().limit(Math.min(payloadBytes, READ_BYTES));
            int n = read(reads);
            if (n == 0) {
                flush();
                if (!await(deadline, true)) {
                    throw new CollectiveException("the previous rank stopped in the middle of a chunk ("
                            + payloadBytes + " bytes missing after " + timeout + ")");
                }
                continue;
            }
            reads.flip();
            if (use) {
                payload.accept(reads);
            }
            payloadBytes -= n;
        }
    }

    /**
     * Hands the queued chunks to the kernel first (a bounded wait): the next rank may still need them after this
     * rank's last call returned. Closing then delivers what the kernel holds; nothing unread is left on {@code out}
     * (the next rank sends nothing back), so the close is an orderly one.
     */
    @Override
    public void close() {
        try {
            if (out != null && out.isOpen()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                flush();
                while (!queued.isEmpty() && await(deadline, false)) {
                    flush();
                }
            }
        } catch (CollectiveException e) {
            // The next rank went away: nothing left to deliver to it either way.
        } finally {
            closeQuietly(out);
            closeQuietly(in);
            closeQuietly(server);
            closeQuietly(selector);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing on the way out: nothing to do about a failure.
            }
        }
    }
}
