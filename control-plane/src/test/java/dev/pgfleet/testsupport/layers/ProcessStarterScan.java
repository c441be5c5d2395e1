package dev.pgfleet.testsupport.layers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;

/**
 * Reads the compiled test and main classes (bytecode, nothing is run) and answers, for each top-level test-source
 * class, whether some method of it can reach a call that starts a real process: {@code ProcessBuilder.start},
 * {@code Runtime.exec}, a real {@code LocalProcesses} (the one way main code starts processes), the Spring Boot
 * application, Selenium's ChromeDriver, Testcontainers. That covers the test support that starts processes
 * (ControlPlane, DataPlaneProcesses, Browser, Podman, PodmanCluster, TestEtcd, DriverScript...) without naming each.
 *
 * <p>Calls are followed through every method of the test sources (lambdas and method references included), and
 * through main code only along static calls and constructors: an instance call on a main-code dependency may be a
 * Mockito mock, and a test that builds a real {@code LocalProcesses} is caught at that constructor.
 */
public final class ProcessStarterScan {
    /** owner (internal name) + "." + method name; "*" matches every method of the owner, a trailing "/" a package. */
    private static final List<String> STARTERS = List.of(
            "java/lang/ProcessBuilder.start", "java/lang/ProcessBuilder.startPipeline", "java/lang/Runtime.exec",
            "dev/pgfleet/system/process/LocalProcesses.<init>",
            "org/springframework/boot/SpringApplication.*", "org/springframework/boot/builder/SpringApplicationBuilder.run",
            "org/openqa/selenium/chrome/ChromeDriver.<init>", "org/testcontainers/");

    private final Set<String> testClasses = new HashSet<>();
    private final Map<String, Set<Call>> calls = new HashMap<>();
    private final Map<String, String> firstStarter = new HashMap<>();

    private record Call(String target, boolean followInMain) {
    }

    private ProcessStarterScan() {
    }

    /** Scans the class directories of this build: test classes first, then main classes. */
    public static ProcessStarterScan of(Path testClassesDir, Path mainClassesDir) {
        ProcessStarterScan scan = new ProcessStarterScan();
        scan.readAll(testClassesDir, true);
        scan.readAll(mainClassesDir, false);
        return scan;
    }

    /**
     * The chain of calls from a method of {@code topLevelClass} (a binary name, e.g. dev.pgfleet.x.FooTest, its nested
     * and anonymous classes included) to a process starter, or empty if there is none.
     */
    public Optional<List<String>> pathToProcessStarter(String topLevelClass) {
        String prefix = topLevelClass.replace('.', '/');
        Deque<List<String>> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        calls.keySet().stream().filter(m -> owner(m).equals(prefix) || owner(m).startsWith(prefix + "$")).sorted()
                .forEach(m -> {
                    seen.add(m);
                    queue.add(List.of(m));
                });
        while (!queue.isEmpty()) {
            List<String> path = queue.poll();
            String method = path.get(path.size() - 1);
            boolean inTests = testClasses.contains(owner(method));
            for (Call call : calls.getOrDefault(method, Set.of())) {
                if (!inTests && !call.followInMain()) {
                    continue;
                }
                List<String> next = append(path, call.target());
                if (isStarter(call.target())) {
                    return Optional.of(next);
                }
                if (calls.containsKey(call.target()) && seen.add(call.target())) {
                    queue.add(next);
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> append(List<String> path, String element) {
        return Stream.concat(path.stream(), Stream.of(element)).toList();
    }

    static boolean isStarter(String method) {
        String owner = owner(method);
        String name = method.substring(owner.length() + 1);
        for (String starter : STARTERS) {
            if (starter.endsWith("/") ? owner.startsWith(starter)
                    : starter.endsWith(".*") ? owner.equals(starter.substring(0, starter.length() - 2))
                    : (owner + "." + name).equals(starter)) {
                return true;
            }
        }
        return false;
    }

    private static String owner(String method) {
        return method.substring(0, method.lastIndexOf('.'));
    }

    private void readAll(Path dir, boolean tests) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    read(new ClassReader(in), tests);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(ClassReader reader, boolean tests) {
        if (tests) {
            testClasses.add(reader.getClassName());
        }
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                Set<Call> out = calls.computeIfAbsent(reader.getClassName() + "." + name, k -> new HashSet<>());
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
                        boolean followInMain = opcode == Opcodes.INVOKESTATIC || method.equals("<init>");
                        out.add(new Call(owner + "." + method, followInMain));
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String method, String desc, Handle bootstrap, Object... arguments) {
                        for (Object argument : arguments) {
                            if (argument instanceof Handle handle) { // a lambda's body or a method reference
                                out.add(new Call(handle.getOwner() + "." + handle.getName(), true));
                            }
                        }
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    }
}
