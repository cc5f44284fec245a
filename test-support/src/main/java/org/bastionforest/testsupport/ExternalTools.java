package org.bastionforest.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external programs that integration tests drive as real peers (slapd, samba, kinit,
 * postgres, ...).
 *
 * <p>When a program is missing the test is skipped with a message naming the Debian package to
 * install, except when the environment variable {@code CI} is {@code true}: then the test fails, so
 * that CI can never pass by skipping.
 *
 * <pre>{@code
 * Path slapd = ExternalTools.require("slapd", "slapd", "/usr/sbin/slapd");
 * }</pre>
 *
 * <p>Thread-safe; stateless.
 */
public final class ExternalTools {
    private static final List<String> SEARCH_PATH =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private ExternalTools() {}

    /** True when running in CI ({@code CI=true}), where missing tools are failures. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Returns the path of an executable, or skips (fails in CI) the calling test.
     *
     * @param command the program's name, looked up in PATH and the usual sbin/bin folders
     * @param debianPackage the Debian package that provides it, named in the message
     * @param extraLocations further absolute paths to try first (e.g. {@code
     *     /usr/lib/postgresql/15/bin/postgres})
     */
    public static Path require(String command, String debianPackage, String... extraLocations) {
        return require(inCi(), command, debianPackage, extraLocations);
    }

    static Path require(
            boolean ci, String command, String debianPackage, String... extraLocations) {
        Optional<Path> found = find(command, extraLocations);
        if (found.isPresent()) {
            return found.get();
        }
        String message =
                "'"
                        + command
                        + "' is not installed: run 'apt-get install "
                        + debianPackage
                        + "' (or .ci/install-packages) to run this test";
        if (ci) {
            Assertions.fail(message + " [CI=true: missing tools fail instead of skipping]");
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Looks a program up without skipping or failing. */
    public static Optional<Path> find(String command, String... extraLocations) {
        for (String location : extraLocations) {
            Path p = Path.of(location);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        String pathEnv = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathEnv.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        for (String dir : SEARCH_PATH) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }
}
