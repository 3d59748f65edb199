package t2t.actors.collective;

import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink that hands the socket's reads to one consuming thread through a blocking queue, with backpressure: it keeps
 * pulling while fewer than {@code capacity} reads wait, and stops until the consumer takes one. Unlike
 * {@code Sink.queue()}, whose every pull is a request to the stream's actor answered by a future (two thread
 * hand-overs per read), a read that is already here costs the consumer nothing but a queue poll, and the stream is
 * only woken when it had stopped for a full queue.
 */
final class HandoffSink extends AbstractGraphStageWithMaterializedValue<SinkShape<ByteString>, HandoffSink.Handle> {
    /** What the stream puts after the last read when the connection ends normally. */
    private static final Object END = new Object();

    private final Inlet<ByteString> in = Inlet.create("HandoffSink.in");
    private final SinkShape<ByteString> shape = SinkShape.of(in);
    private final int capacity;

    HandoffSink(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public SinkShape<ByteString> shape() {
        return shape;
    }

    /** The consumer's end. */
    static final class Handle {
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final AtomicInteger waiting = new AtomicInteger();
        /** Set by the stream when it stopped pulling because the queue was full. */
        private final AtomicBoolean stopped = new AtomicBoolean();
        private volatile AsyncCallback<Boolean> resume;

        /**
         * The next read, or null when none came within {@code timeout}.
         *
         * @throws CollectiveException when the connection ended or failed
         */
        ByteString poll(Duration timeout) throws InterruptedException {
            Object o = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (o == null) {
                return null;
            }
            if (o == END) {
                queue.add(END);
                throw new CollectiveException("the previous rank closed its connection");
            }
            if (o instanceof Throwable t) {
                queue.add(t);
                throw new CollectiveException("connection from the previous rank failed", t);
            }
            waiting.decrementAndGet();
            if (stopped.compareAndSet(true, false)) {
                resume.invoke(Boolean.TRUE);
            }
            return (ByteString) o;
        }
    }

    @Override
    public Pair<GraphStageLogic, Handle> createLogicAndMaterializedValuePair(Attributes attrs) {
        Handle h = new Handle();
        GraphStageLogic logic = new GraphStageLogic(shape) {
            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        h.queue.add(grab(in));
                        if (h.waiting.incrementAndGet() < capacity) {
                            pull(in);
                        } else {
                            h.stopped.set(true);
                            // The consumer may have taken one between the count and the flag: then nobody resumes us.
                            if (h.waiting.get() < capacity && h.stopped.compareAndSet(true, false)) {
                                pull(in);
                            }
                        }
                    }

                    @Override
                    public void onUpstreamFinish() {
                        h.queue.add(END);
                        completeStage();
                    }

                    @Override
                    public void onUpstreamFailure(Throwable ex) {
                        h.queue.add(ex);
                        failStage(ex);
                    }
                });
            }

            @Override
            public void preStart() {
                h.resume = createAsyncCallback(ignored -> {
                    if (!isClosed(in) && !hasBeenPulled(in)) {
                        pull(in);
                    }
                });
                pull(in);
            }
        };
        return Pair.create(logic, h);
    }
}
