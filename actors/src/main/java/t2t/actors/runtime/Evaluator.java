package t2t.actors.runtime;

/** Runs the eval split through a student in eval mode. */
public interface Evaluator {
    EvalResult evaluate(StudentCompute student);
}
