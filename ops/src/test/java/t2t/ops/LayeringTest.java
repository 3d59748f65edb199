package t2t.ops;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Modules keep their lane (STYLE.md rule 1): protocol, model and loader import no Pekko and not each other. */
class LayeringTest {
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
