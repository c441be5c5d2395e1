package dev.pgfleet;

import static org.assertj.core.api.Assertions.assertThat;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which package may depend on which, checked on the compiled main classes (ArchUnit reads the bytecode, so
 * fully qualified names and same-named imports count too). The shared layers sit below the features: caller
 * identity and security ({@code security}), web and infrastructure ({@code system}), the dashboard's page
 * infrastructure ({@code dashboard}) and the domain refusals ({@code problem}) depend on no feature; features
 * depend on them. And no two top-level packages depend on each other, directly or around a longer loop.
 */
class LayersTest {
    /** Below every feature. The blueprint (operator-templates) is pure and below everything too. */
    static final List<String> SHARED = List.of("security", "system", "dashboard", "problem");
    static final String BLUEPRINT = "dev.pgfleet.blueprint..";

    private static JavaClasses classes;

    /** The control plane's compiled classes only (target/classes): reading the whole class path takes seconds. */
    @BeforeAll
    static void importMainClasses() throws Exception {
        Path mainClasses = Path.of(PgfleetApplication.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPath(mainClasses);
        assertThat(classes.size()).as("the main classes were found, so a passing rule means something").isGreaterThan(150);
    }

    @Test
    void topLevelPackagesFormNoCycle() {
        slices().matching("dev.pgfleet.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void sharedLayersDependOnNoFeature() {
        String[] shared = SHARED.stream().map(p -> "dev.pgfleet." + p + "..").toArray(String[]::new);
        noClasses().that().resideInAnyPackage(shared)
                .should().dependOnClassesThat(feature())
                .because("features depend on security, system, dashboard and problem, never the reverse")
                .check(classes);
    }

    /** Any pgfleet class outside the shared layers, the blueprint and the application's root package. */
    private static DescribedPredicate<JavaClass> feature() {
        return DescribedPredicate.describe("a feature package (not " + String.join("/", SHARED) + "/blueprint)", c -> {
            String name = c.getPackageName();
            if (!name.startsWith("dev.pgfleet.")) {
                return false;
            }
            String top = name.substring("dev.pgfleet.".length()).split("\\.")[0];
            return !SHARED.contains(top) && !top.equals("blueprint");
        });
    }
}
