package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher script {@code ./bastion} on the packaged jar (built before failsafe runs): the JVM
 * options it adds, and that an operator's {@code BASTION_OPTS} win over them. The JVM prints the
 * options it took with {@code -XX:+PrintCommandLineFlags}; {@code --help} exits at once.
 */
class LauncherIT {
    record Run(int exit, String output) {}

    private static Run launch(String bastionOpts) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("bastion");
        assertThat(launcher).as("the launcher at the repository root").isRegularFile();
        ProcessBuilder pb =
                new ProcessBuilder("bash", launcher.toString(), "--help")
                        .directory(root.toFile())
                        .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("BASTION_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BASTION_OPTS", bastionOpts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
        return new Run(p.exitValue(), out);
    }

    /** The flags line the JVM printed. */
    private static List<String> flags(Run run) {
        return run.output()
                .lines()
                .filter(l -> l.contains("-XX:MaxHeapSize="))
                .findFirst()
                .map(l -> List.of(l.trim().split("\\s+")))
                .orElseThrow(() -> new AssertionError("no JVM flags printed:\n" + run.output()));
    }

    @Test
    void launch_whenNoCollectorChosen_thenG1WithStringDeduplicationAndAHeapThatShrinks()
            throws Exception {
        Run run = launch("-XX:+PrintCommandLineFlags");

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("Usage: bastion");
        assertThat(flags(run))
                .contains(
                        "-XX:+UseG1GC",
                        "-XX:+UseStringDeduplication",
                        "-XX:MinHeapFreeRatio=10",
                        "-XX:MaxHeapFreeRatio=20");
    }

    @Test
    void launch_whenOperatorChoosesACollector_thenItReplacesG1AndTheJvmStarts() throws Exception {
        // with the default G1 too, the JVM would refuse to start: "Multiple garbage collectors"
        Run run = launch("-XX:+UseParallelGC -XX:+PrintCommandLineFlags");

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(flags(run))
                .contains("-XX:+UseParallelGC")
                .doesNotContain("-XX:+UseG1GC", "-XX:+UseStringDeduplication");
    }

    @Test
    void launch_whenOperatorSetsHeapAndRatios_thenTheirValuesWin() throws Exception {
        Run run = launch("-Xmx300m -XX:MaxHeapFreeRatio=40 -XX:+PrintCommandLineFlags");

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(flags(run))
                .contains("-XX:MaxHeapSize=" + (300L << 20), "-XX:MaxHeapFreeRatio=40")
                .doesNotContain("-XX:MaxHeapFreeRatio=20");
    }

    @Test
    void launch_whenTheServiceIsNotBuilt_thenExitTwoNamingTheBuildCommand() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path copy = Files.createTempDirectory("bastion-launcher-");
        try {
            Files.copy(root.resolve("bastion"), copy.resolve("bastion"));
            Process p =
                    new ProcessBuilder("bash", copy.resolve("bastion").toString(), "--help")
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(2);
            assertThat(out).contains("./mvnw -B install -DskipTests");
        } finally {
            Files.deleteIfExists(copy.resolve("bastion"));
            Files.deleteIfExists(copy);
        }
    }
}
