package t2t.loader.sampler;

import java.util.List;

/** A step's global batch divided over the workers of that step, slice {@code w} for worker {@code w}. */
public record StepPlan(int epoch, long step, List<Slice> slices) {
    public int size() {
        return slices.stream().mapToInt(Slice::size).sum();
    }
}
