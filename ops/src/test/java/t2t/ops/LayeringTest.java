package t2t.ops;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Modules keep their lane (STYLE.md rule 1): protocol, model and loader import no Pekko and not each
 * other; inside {@code actors}, each package depends only on the packages {@link #ACTORS_MAY_USE} names.
 */
class LayeringTest {
    /**
     * Which {@code t2t.actors} packages each may use (a subpackage counts as its parent's: {@code
     * cluster.metrics} is {@code cluster}). The training actors ({@code t2t.actors}: coordinator,
     * workers, aggregators, loaders, teacher) know nothing of the cluster that may host them; the
     * cluster layer runs them; {@code collective} is the benchmark's all-reduce, which nothing else uses.
     */
    private static final Map<String, Set<String>> ACTORS_MAY_USE = Map.of(
            "t2t.actors", Set.of("config", "ledger", "runtime", "telemetry"),
            "t2t.actors.runtime", Set.of("t2t.actors", "config"),
            "t2t.actors.engine", Set.of("t2t.actors", "checkpoint", "config", "ledger", "runtime"),
            "t2t.actors.cluster", Set.of("t2t.actors", "config", "runtime", "telemetry"),
            "t2t.actors.serialization", Set.of("t2t.actors", "cluster", "runtime", "telemetry"),
            "t2t.actors.collective", Set.of("runtime"),
            "t2t.actors.checkpoint", Set.of(),
            "t2t.actors.config", Set.of(),
            "t2t.actors.telemetry", Set.of(),
            "t2t.actors.ledger", Set.of());

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("t2t");

    @Test
    void protocolImportsNoOtherModuleAndNoPekkoOrDjl() {
        noClasses().that().resideInAPackage("t2t.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "t2t.model..", "t2t.loader..", "t2t.actors..", "t2t.ops..", "org.apache.pekko..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void modelImportsNeitherLoaderNorPekko() {
        noClasses().that().resideInAPackage("t2t.model..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "t2t.loader..", "t2t.actors..", "t2t.ops..", "org.apache.pekko..")
                .check(CLASSES);
    }

    @Test
    void loaderImportsNeitherModelNorPekkoNorDjl() {
        noClasses().that().resideInAPackage("t2t.loader..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "t2t.model..", "t2t.actors..", "t2t.ops..", "org.apache.pekko..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void actorsDoNotReachIntoOps() {
        noClasses().that().resideInAPackage("t2t.actors..")
                .should().dependOnClassesThat().resideInAPackage("t2t.ops..")
                .check(CLASSES);
    }

    @Test
    void actorsPackagesUseOnlyThePackagesTheTableAllows() {
        Set<String> found = new TreeSet<>();
        List<String> broken = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            String from = actorsPackage(c.getPackageName());
            if (from == null) {
                continue;
            }
            found.add(from);
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = actorsPackage(d.getTargetClass().getPackageName());
                if (to == null || to.equals(from)) {
                    continue;
                }
                Set<String> allowed = ACTORS_MAY_USE.getOrDefault(from, Set.of());
                String short_ = to.equals("t2t.actors") ? to : to.substring("t2t.actors.".length());
                if (!allowed.contains(short_)) {
                    broken.add(topLevel(c) + " -> " + topLevel(d.getTargetClass()));
                }
            }
        }
        assertEquals(ACTORS_MAY_USE.keySet(), found,
                "every actors package is in ACTORS_MAY_USE (a new package states what it may use)");
        assertTrue(broken.isEmpty(), "dependencies the table forbids: " + new TreeSet<>(broken));
    }

    /** {@code t2t.actors} or its first-level subpackage; null outside {@code t2t.actors}. */
    private static String actorsPackage(String pkg) {
        if (pkg.equals("t2t.actors")) {
            return pkg;
        }
        if (!pkg.startsWith("t2t.actors.")) {
            return null;
        }
        int dot = pkg.indexOf('.', "t2t.actors.".length());
        return dot < 0 ? pkg : pkg.substring(0, dot);
    }

    private static String topLevel(JavaClass c) {
        String name = c.getName();
        int inner = name.indexOf('$');
        return inner < 0 ? name : name.substring(0, inner);
    }

    /** STYLE rule 11: the rules that decide which samples are trained are plain code, testable by simulation. */
    @Test
    void theStepLedgerIsPlainCode() {
        noClasses().that().resideInAPackage("t2t.actors.ledger..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.pekko..", "ai.djl..", "t2t.model..", "t2t.ops..", "t2t.actors",
                        "t2t.actors.cluster..", "t2t.actors.engine..", "t2t.actors.runtime..", "t2t.actors.collective..")
                .check(CLASSES);
    }
}
