package org.bastionforest.api;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.bastionforest.api.cli.ClientCommands;
import org.bastionforest.api.config.BastionConfig;
import org.bastionforest.api.config.ConfigException;
import org.bastionforest.api.config.ConfigLoader;
import org.bastionforest.api.service.BastionService;
import org.bastionforest.api.service.StartupException;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code bastion} command: {@code bastion run} starts the service; the other subcommands are
 * clients of a running service's REST API (docs/cli.md).
 *
 * <p>Exit codes: 0 after a clean shutdown, 2 for a configuration error (one line on standard error
 * naming the key), 1 when a component could not start.
 */
@Command(
        name = "bastion",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Bastion Forest: just-in-time privileged group membership for Active Directory.",
        subcommands = {Main.Run.class})
public final class Main implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;
    static final int EXIT_STARTUP = 1;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The {@code bastion} command with its service and client subcommands. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> client : ClientCommands.ALL) {
            cli.addSubcommand(client);
        }
        return cli;
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** {@code bastion run}: starts the service and serves until SIGTERM/SIGINT. */
    @Command(
            name = "run",
            description = "Run the service (embedded defaults when no configuration is given).")
    static final class Run implements Callable<Integer> {
        @Option(
                names = {"-c", "--config"},
                paramLabel = "FILE",
                description = "bastion.yaml to load (default: $BASTION_CONFIG, else none)")
        Path config;

        @Override
        public Integer call() {
            PrintWriter err = new PrintWriter(System.err, true);
            BastionConfig configuration;
            try {
                Optional<Path> file =
                        Optional.ofNullable(config)
                                .or(
                                        () ->
                                                Optional.ofNullable(System.getenv("BASTION_CONFIG"))
                                                        .filter(s -> !s.isBlank())
                                                        .map(Path::of));
                configuration = ConfigLoader.load(file, System.getenv());
            } catch (ConfigException e) {
                err.println("bastion: configuration error: " + e.getMessage());
                return EXIT_CONFIG;
            }
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            BastionService service;
            try {
                service = BastionService.start(configuration);
            } catch (ConfigException e) {
                err.println("bastion: configuration error: " + e.getMessage());
                return EXIT_CONFIG;
            } catch (StartupException e) {
                err.println("bastion: could not start: " + e.getMessage());
                return EXIT_STARTUP;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        service.close();
                                        stopped.countDown();
                                    },
                                    "bastion-shutdown"));
            System.out.println(service.summary());
            System.out.flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Bastion Forest " + BastionService.productVersion()};
        }
    }
}
