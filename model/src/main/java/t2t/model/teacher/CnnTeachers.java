package t2t.model.teacher;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import t2t.protocol.UserInputException;

/**
 * The CNN teacher family, as data. {@code resnet_tiny} is sized for 28-64 px inputs
 * (Fashion-MNIST); {@code resnet18} and {@code resnet26} are the ImageNet basic-block ResNets
 * (7x7 stride-2 stem + max pool, total stride 32) for 224 px.
 */
public final class CnnTeachers {

    private static final Map<String, CnnConfig> CONFIGS = new LinkedHashMap<>();

    static {
        // stride 4 in all: 28 px -> 7x7 feature map, the token grid of a stride-4 student
        register(new CnnConfig("resnet_tiny", 32, 3, 1, false,
                new int[] {32, 64, 128}, new int[] {1, 1, 1}, new int[] {2, 2, 1}));
        register(new CnnConfig("resnet18", 64, 7, 2, true,
                new int[] {64, 128, 256, 512}, new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 2}));
        register(new CnnConfig("resnet26", 64, 7, 2, true,
                new int[] {64, 128, 256, 512}, new int[] {3, 3, 3, 3}, new int[] {1, 2, 2, 2}));
    }

    private CnnTeachers() {}

    private static void register(CnnConfig c) {
        CONFIGS.put(c.name(), c);
    }

    public static List<String> names() {
        return List.copyOf(CONFIGS.keySet());
    }

    public static boolean contains(String name) {
        return CONFIGS.containsKey(name);
    }

    public static CnnConfig config(String name) {
        CnnConfig c = CONFIGS.get(name);
        if (c == null) {
            throw new UserInputException(
                    "unknown CNN teacher '" + name + "': choose one of " + String.join(", ", names()));
        }
        return c;
    }

    /**
     * A new, uninitialized CNN. {@code inChans} and {@code imgSize} are checked here and used by
     * {@link #initialize}; the net itself takes any input size.
     */
    public static CnnNet create(String name, int numClasses, int inChans, int imgSize) {
        CnnConfig c = config(name);
        if (inChans <= 0 || imgSize < c.totalStride()) {
            throw new UserInputException("CNN " + name + " needs in_chans > 0 and img_size >= "
                    + c.totalStride() + " (its total stride); got in_chans " + inChans + ", img_size " + imgSize);
        }
        CnnNet net = new CnnNet(c, numClasses);
        // He (Kaiming) normal, fan-out, as torchvision's ResNets; BatchNorm 1/0, biases 0
        net.setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                XavierInitializer.FactorType.OUT, 2), Parameter.Type.WEIGHT);
        return net;
    }

    /** Initializes parameters for {@code [1, inChans, imgSize, imgSize]} inputs (seeded by the engine's RNG). */
    public static void initialize(CnnNet net, NDManager manager, int inChans, int imgSize) {
        net.initialize(manager, DataType.FLOAT32, new Shape(1, inChans, imgSize, imgSize));
    }
}
