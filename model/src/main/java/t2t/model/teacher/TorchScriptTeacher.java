package t2t.model.teacher;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import t2t.protocol.UserInputException;

/**
 * {@code --teacher model.pt}: a TorchScript module run by DJL's PyTorch engine (local file, so
 * {@code ai.djl.offline=true} is fine). Contract, checked once at load with a probe batch:
 * <ul>
 *   <li>input: {@code [B, C, H, W]} float32, normalized exactly as the student's input (the same
 *       mean/std; the teacher sees the student's mixed pixels);</li>
 *   <li>output: global logits {@code [B, classes]}, or a tuple {@code (global logits [B, classes],
 *       per-location logits [B, classes, h, w] or [B, h*w, classes])} for token labeling
 *       ({@link TeacherOutputs});</li>
 *   <li>a module with global logits only serves distillation; token targets are refused with a
 *       message, not faked by broadcasting.</li>
 * </ul>
 * Export in Python: {@code torch.jit.script(model.eval()).save("teacher.pt")} (or
 * {@code torch.jit.trace}); see {@code model/src/test/resources/teacher/make_torchscript_teachers.py}.
 */
public final class TorchScriptTeacher implements Teacher {

    private final String name;
    private final Model model;
    private final Block block;
    private final int numClasses;
    private final boolean dense;

    private TorchScriptTeacher(String name, Model model, int numClasses, boolean dense) {
        this.name = name;
        this.model = model;
        this.block = model.getBlock();
        this.numClasses = numClasses;
        this.dense = dense;
    }

    /**
     * Loads and probes the module with a zero batch {@code [1, inChans, imgSize, imgSize]}.
     *
     * @throws UserInputException if the file is missing, not TorchScript, or breaks the contract
     */
    public static TorchScriptTeacher load(Path file, int inChans, int imgSize) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("teacher file " + file + " does not exist: give a TorchScript .pt file");
        }
        String name = file.getFileName().toString();
        Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
        try {
            model.load(file.toAbsolutePath());
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new UserInputException("teacher " + file + " is not a loadable TorchScript module (save it with"
                    + " torch.jit.script(model).save(path)): " + e.getMessage(), e);
        }
        try (NDManager probe = NDManager.newBaseManager(Device.cpu())) {
            NDList out = model.getBlock().forward(new ParameterStore(probe, false),
                    new NDList(probe.zeros(new Shape(1, inChans, imgSize, imgSize))), false);
            NDArray global;
            try {
                global = TeacherOutputs.global(out, name);
            } catch (IllegalStateException e) {
                throw new UserInputException(e.getMessage() + " (contract: logits [B,C] or (logits, per-location logits))");
            }
            boolean dense = out.size() >= 2;
            int classes = (int) global.getShape().get(1);
            if (dense) {
                try {
                    TeacherOutputs.tokenTargets(out, new TokenGrid(1, 1), name);
                } catch (IllegalStateException e) {
                    throw new UserInputException(e.getMessage());
                }
            }
            return new TorchScriptTeacher(name, model, classes, dense);
        } catch (RuntimeException e) {
            model.close();
            if (e instanceof UserInputException) {
                throw e;
            }
            throw new UserInputException("teacher " + file + " failed on a [1, " + inChans + ", " + imgSize + ", "
                    + imgSize + "] input: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    /** Whether the module returns per-location logits (token labeling possible). */
    public boolean hasDenseOutput() {
        return dense;
    }

    @Override
    public TeacherTargets targets(NDArray images, TokenGrid grid) {
        if (grid != null && !dense) {
            throw new IllegalStateException("teacher " + name + " returns global logits only, so it cannot give"
                    + " token targets: switch token labeling off, or export a teacher returning"
                    + " (logits [B,C], per-location logits [B,C,h,w])");
        }
        return TeacherOutputs.scoped(images, grid, name, (x, ps) -> block.forward(ps, new NDList(x), false));
    }

    @Override
    public void close() {
        model.close();
    }
}
