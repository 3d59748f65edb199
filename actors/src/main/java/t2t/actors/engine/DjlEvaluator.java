package t2t.actors.engine;

import t2t.actors.runtime.BatchMaker;
import t2t.actors.runtime.EvalResult;
import t2t.actors.runtime.Evaluator;
import t2t.actors.runtime.StudentCompute;
import t2t.model.eval.ClassificationMetrics;

/** Top-1, top-5, per-class accuracy and the confusion matrix over the eval split. */
public final class DjlEvaluator implements Evaluator {
    private final BatchMaker batches;
    private final int numClasses;
    private final int batchSize;

    public DjlEvaluator(BatchMaker batches, int numClasses, int batchSize) {
        this.batches = batches;
        this.numClasses = numClasses;
        this.batchSize = batchSize;
    }

    @Override
    public EvalResult evaluate(StudentCompute student) {
        ClassificationMetrics m = new ClassificationMetrics(numClasses);
        for (int i = 0; ; i++) {
            BatchMaker.EvalBatch b = batches.evalBatch(i, batchSize);
            if (b == null) {
                break;
            }
            if (b.size() == 0) {
                continue;
            }
            m.update(student.evalLogits(b.pixels(), b.size(), b.channels(), b.height(), b.width()), b.labels());
        }
        return new EvalResult(m.top1(), m.top5(), m.count(), m.perClassAccuracy(), m.confusionMatrix());
    }
}
