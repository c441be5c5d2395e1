package dev.pgfleet.testsupport.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Keeps the two test layers apart (control-plane/pom.xml says how they run). The rule: a test class that starts a real
 * process of any kind is tagged {@code integration} (or {@code containers}) and runs in failsafe; every other class is
 * the fast layer that {@code ./mvnw test} runs in seconds. Names say the layer too: {@code *IntegrationTest} or
 * {@code *ContainerTest} exactly when tagged.
 */
class TestLayersTest {
    private static final Set<String> FAILSAFE_TAGS = Set.of("integration", "containers");

    private static ProcessStarterScan scan;
    private static List<Class<?>> testClasses;

    @BeforeAll
    static void scanTheCompiledTests() throws Exception {
        Path testClassesDir = Path.of(TestLayersTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path mainClassesDir = Path.of(dev.pgfleet.PgfleetApplication.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        scan = ProcessStarterScan.of(testClassesDir, mainClassesDir);
        testClasses = topLevelTestClasses(testClassesDir);
    }

    @Test
    void everyTestClassThatStartsAProcessIsTaggedForFailsafe() {
        TreeMap<String, String> untagged = new TreeMap<>();
        for (Class<?> test : testClasses) {
            if (layerTags(test).isEmpty()) {
                scan.pathToProcessStarter(test.getName()).ifPresent(path -> untagged.put(test.getName(), String.join(" -> ", path)));
                if (AnnotationSupport.isAnnotated(test, SpringBootTest.class)) {
                    untagged.put(test.getName(), "@SpringBootTest starts the whole application with its embedded metadata store");
                }
            }
        }
        assertThat(untagged).as("fast-layer classes that start a real process: tag them @Tag(\"integration\") and name them"
                + " *IntegrationTest, or stop starting the process").isEmpty();
    }

    @Test
    void aTaggedClassIsNamedForItsLayerAndANamedOneIsTagged() {
        TreeMap<String, String> wrong = new TreeMap<>();
        for (Class<?> test : testClasses) {
            Set<String> tags = layerTags(test);
            String name = test.getSimpleName();
            boolean failsafeName = name.endsWith("IntegrationTest") || name.endsWith("ContainerTest");
            if (failsafeName && tags.isEmpty()) {
                wrong.put(test.getName(), "named for failsafe but not tagged: surefire would run it");
            } else if (!failsafeName && !tags.isEmpty()) {
                wrong.put(test.getName(), "tagged " + tags + " but not named *IntegrationTest or *ContainerTest");
            } else if (tags.contains("containers") && !name.endsWith("ContainerTest")) {
                wrong.put(test.getName(), "tagged containers but not named *ContainerTest");
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void aTaggedClassReallyStartsAProcessSoThatNoFastTestHidesInTheSlowLayer() {
        List<String> idle = testClasses.stream().filter(test -> !layerTags(test).isEmpty())
                .filter(test -> scan.pathToProcessStarter(test.getName()).isEmpty()).map(Class::getName).sorted().toList();
        assertThat(idle).as("tagged for failsafe, yet no process is started: drop the tag and the name's suffix").isEmpty();
    }

    @Test
    void theScanFollowsCallsThroughTheTestSupportToTheProcessItStarts() {
        // Directly (a ControlPlane), through a helper of the test sources (DriverScript -> ProcessBuilder), through a
        // real LocalProcesses, and not for a pure test.
        assertThat(scan.pathToProcessStarter("dev.pgfleet.database.DatabaseApiIntegrationTest").orElseThrow())
                .anyMatch(step -> step.startsWith("dev/pgfleet/testsupport/ControlPlane."));
        assertThat(scan.pathToProcessStarter("dev.pgfleet.drivers.DriverScriptIntegrationTest").orElseThrow())
                .contains("dev/pgfleet/drivers/DriverScript.run").last().isEqualTo("java/lang/ProcessBuilder.start");
        assertThat(scan.pathToProcessStarter("dev.pgfleet.system.process.ProcessIsolationIntegrationTest")).isPresent();
        assertThat(scan.pathToProcessStarter("dev.pgfleet.provisioning.StatusTransitionsTest")).isEmpty();
        assertThat(scan.pathToProcessStarter(TestLayersTest.class.getName())).isEmpty();
        assertThat(ProcessStarterScan.isStarter("org/testcontainers/k3s/K3sContainer.<init>")).isTrue();
        assertThat(ProcessStarterScan.isStarter("java/lang/ProcessBuilder.command")).isFalse();
    }

    private static Set<String> layerTags(Class<?> test) {
        return AnnotationSupport.findRepeatableAnnotations(test, Tag.class).stream().map(Tag::value)
                .filter(FAILSAFE_TAGS::contains).collect(Collectors.toSet());
    }

    /** Top-level, non-abstract classes of the test sources with at least one test method (JUnit's @Testable). */
    private static List<Class<?>> topLevelTestClasses(Path dir) throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(dir::relativize).map(Path::toString).filter(f -> f.endsWith(".class") && !f.contains("$"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
                    .<Class<?>>map(name -> ReflectionSupport.tryToLoadClass(name).toOptional().orElseThrow())
                    .filter(c -> !Modifier.isAbstract(c.getModifiers()) && hasTests(c)).toList();
        }
    }

    private static boolean hasTests(Class<?> c) {
        return !ReflectionSupport.findMethods(c, m -> AnnotationSupport.isAnnotated(m, Testable.class),
                HierarchyTraversalMode.TOP_DOWN).isEmpty()
                || Stream.of(c.getDeclaredClasses()).filter(nested -> AnnotationSupport.isAnnotated(nested, Nested.class))
                        .anyMatch(TestLayersTest::hasTests);
    }
}
