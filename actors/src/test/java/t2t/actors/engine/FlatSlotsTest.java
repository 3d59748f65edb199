package t2t.actors.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import t2t.model.ModelRegistry;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import t2t.actors.runtime.TrainBatch;
import t2t.model.T2tVit;
import t2t.model.VisionModel;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flat vector reads and writes the tensors' own memory: what it writes, the engine computes with. */
class FlatSlotsTest {
    private static final Map<String, String> ARGS = Map.of("img_size", "32", "in_chans", "1", "num_classes", "10",
            "embed_dim", "32", "depth", "1", "num_heads", "2", "soft_split", "official");

    @Test
    void writesLandInTheTensorsAcrossSlotBoundaries() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionModel model = ModelRegistry.create("t2t_vit_7", ARGS);
            model.initializeWeights(m, DataType.FLOAT32, 3);
            FlatSlots slots = FlatSlots.of(model);
            float[] flat = new float[slots.size()];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < flat.length; i++) {
                flat[i] = (float) r.nextGaussian();
            }
            // Two writes split inside a tensor, as two shards' updates arrive.
            int cut = slots.slots().get(3).offset() + 1;
            slots.write(cut, Arrays.copyOfRange(flat, cut, flat.length));
            slots.write(0, Arrays.copyOfRange(flat, 0, cut));
            for (FlatSlots.Slot s : slots.slots()) {
                float[] engine = s.parameter().getArray().toFloatArray();
                assertArrayEquals(Arrays.copyOfRange(flat, s.offset(), s.end()), engine, 0f, s.name());
            }
            float[] back = new float[slots.size()];
            slots.read(back);
            assertArrayEquals(flat, back, 0f);
        }
    }

    @Test
    void gradientsCopiedOutEqualTheEnginesAndAreZeroedInPlace() {
        try (NDManager m = NDManager.newBaseManager()) {
            T2tVit model = (T2tVit) ModelRegistry.create("t2t_vit_7", ARGS);
            model.initializeWeights(m, DataType.FLOAT32, 3);
            FlatSlots slots = FlatSlots.of(model);
            TrainBatch b = EngineFixtures.randomBatch(4, 1);
            try (NDManager step = m.newSubManager(); ThreadGradients gc = new ThreadGradients()) {
                NDArray x = step.create(b.pixels(), new Shape(4, 1, 32, 32));
                gc.backward(model.forwardTrain(new ParameterStore(step, false), x).cls().square().sum());
            }
            float[] got = new float[slots.size()];
            slots.copyGradients(0, slots.size(), got, 0);
            for (FlatSlots.Slot s : slots.slots()) {
                try (NDArray g = s.parameter().getArray().getGradient()) {
                    assertArrayEquals(g.toFloatArray(), Arrays.copyOfRange(got, s.offset(), s.end()), 0f, s.name());
                }
            }
            assertTrue(maxAbsGradient(slots) > 0, "a gradient at all");
            slots.zeroGradients();
            assertEquals(0.0, maxAbsGradient(slots));
        }
    }

    @Test
    void aContiguousTensorIsItsOwnMemoryAndANonContiguousViewIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(15f).reshape(3, 5);
            FlatSlots.Slot slot = new FlatSlots.Slot("a", null, FlatSlots.Kind.DECAY, 0, 15);
            FlatSlots.storage(a, slot).put(7, -1f);
            assertEquals(-1f, a.toFloatArray()[7], "a write through the buffer lands in the tensor");

            // A transpose is a strided view of the same memory: getByteBuffer would hand out a copy.
            NDArray t = a.transpose();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> FlatSlots.storage(t, new FlatSlots.Slot("a.T", null, FlatSlots.Kind.DECAY, 0, 15)));
            assertTrue(e.getMessage().startsWith("a.T: ") && e.getMessage().contains("non-contiguous"), e.getMessage());

            // A row is a view too, but contiguous: its own memory, offset into the parent's.
            NDArray row = a.get(1);
            FlatSlots.storage(row, new FlatSlots.Slot("a[1]", null, FlatSlots.Kind.DECAY, 0, 5)).put(0, -2f);
            assertEquals(-2f, a.toFloatArray()[5], "a write through a row's buffer lands in its parent");
        }
    }

    private static double maxAbsGradient(FlatSlots slots) {
        double max = 0;
        for (FlatSlots.Slot s : slots.slots()) {
            try (NDArray g = s.parameter().getArray().getGradient()) {
                for (float v : g.toFloatArray()) {
                    max = Math.max(max, Math.abs(v));
                }
            }
        }
        return max;
    }
}
