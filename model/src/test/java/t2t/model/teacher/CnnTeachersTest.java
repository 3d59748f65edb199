package t2t.model.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import t2t.protocol.UserInputException;

class CnnTeachersTest {

    private static long trainable(CnnNet net) {
        return net.getParameters().stream().map(p -> p.getValue())
                .filter(Parameter::requiresGradient).mapToLong(p -> p.getArray().size()).sum();
    }

    @Test
    void registryNamesAndErrors() {
        assertEquals(List.of("resnet_tiny", "resnet18", "resnet26"), CnnTeachers.names());
        UserInputException e = assertThrows(UserInputException.class, () -> CnnTeachers.create("resnet_50", 10, 3, 224));
        assertTrue(e.getMessage().contains("resnet_tiny"), e.getMessage());
        assertThrows(UserInputException.class, () -> CnnTeachers.create("resnet18", 10, 3, 16));
    }

    @Test
    void resnet18HasTorchvisionsParameterCount() {
        try (NDManager m = NDManager.newBaseManager()) {
            CnnNet net = CnnTeachers.create("resnet18", 1000, 3, 224);
            CnnTeachers.initialize(net, m, 3, 224);
            assertEquals(11_689_512L, trainable(net), "torchvision resnet18, 1000 classes");
            assertEquals(32, net.config().totalStride());
            NDList out = net.locationLogits(new ParameterStore(m, false), m.randomNormal(new Shape(1, 3, 224, 224)));
            assertEquals(new Shape(1, 1000, 7, 7), out.get(1).getShape());
        }
    }

    @Test
    void resnetTinyTrainsLikeAnyModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            CnnNet net = CnnTeachers.create("resnet_tiny", 10, 1, 28);
            CnnTeachers.initialize(net, m, 1, 28);
            assertEquals(309_162L, trainable(net));
            NDList out = net.forward(new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(4, 1, 28, 28))), true);
            assertEquals(1, out.size());
            assertEquals(new Shape(4, 10), out.singletonOrThrow().getShape());
        }
    }
}
