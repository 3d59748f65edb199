package t2t.actors.cluster;

import t2t.actors.telemetry.DroppedMessages;

import java.util.function.Consumer;

/**
 * The old name of {@link DroppedMessages}, kept only for the two callers that other branches are
 * editing now ({@code Coordinator}'s three drops and {@code NodeCommand}'s metrics wiring). Issue 15:
 * once those call {@link DroppedMessages}, delete this class and its entry in LayeringTest's
 * {@code PENDING}.
 */
public final class WireStats {
    private WireStats() {}

    public static void dropped(String reason) {
        DroppedMessages.dropped(reason);
    }

    public static void onDrop(Consumer<String> listener) {
        DroppedMessages.onDrop(listener);
    }
}
