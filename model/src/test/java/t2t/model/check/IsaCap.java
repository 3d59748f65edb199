package t2t.model.check;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a test class run under a oneDNN ISA cap ({@code ONEDNN_MAX_CPU_ISA}, set per surefire
 * execution in model/pom.xml) that this CPU does not have: oneDNN would silently fall back to the
 * CPU's own ISA, and the run would repeat the default one while claiming to test the cap.
 */
public final class IsaCap implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String cap = CpuInfo.oneDnnCap();
        CpuInfo cpu = CpuInfo.read();
        if (cpu.supportsCap(cap)) {
            return ConditionEvaluationResult.enabled("oneDNN cap " + cap + " on " + cpu);
        }
        String why = "ONEDNN_MAX_CPU_ISA=" + cap + " is above this CPU (" + cpu + "): skipped";
        System.err.println(why);
        return ConditionEvaluationResult.disabled(why);
    }
}
