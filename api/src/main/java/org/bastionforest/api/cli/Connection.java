package org.bastionforest.api.cli;

import java.io.Console;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * How a command reaches the API: options, else {@code BASTION_CLI_*} variables, else defaults.
 * Passwords come from a file, the variable {@code BASTION_CLI_PASSWORD} or a prompt without echo,
 * never from a plain option (it would show in the process list and shell history).
 */
final class Connection {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "the service (default: $BASTION_CLI_URL, else https://127.0.0.1:8443)")
    String url;

    @Option(
            names = "--user",
            paramLabel = "NAME",
            description = "log in as (default: $BASTION_CLI_USER)")
    String user;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            description = "read the password from FILE (else $BASTION_CLI_PASSWORD, else a prompt)")
    Path passwordFile;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "authenticate with the API token in FILE (else $BASTION_CLI_TOKEN)")
    Path tokenFile;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "trust the certificates in PEM")
    Path caFile;

    @Option(names = "--insecure", description = "trust any certificate (loopback URLs only)")
    boolean insecure;

    @Option(names = "--json", description = "print the API's JSON instead of a table")
    boolean json;

    /** The environment; replaced in tests. */
    private final Map<String, String> environment = System.getenv();

    ApiClient client() throws CliFailure {
        String u =
                url != null
                        ? url
                        : environment.getOrDefault("BASTION_CLI_URL", "https://127.0.0.1:8443");
        URI base;
        try {
            base = URI.create(u.endsWith("/") ? u : u + "/");
            if (base.getHost() == null
                    || !(base.getScheme().equals("https") || base.getScheme().equals("http"))) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.USAGE, "--url: " + e.getMessage());
        }
        SSLContext tls = null;
        if (base.getScheme().equals("https")) {
            if (caFile != null) {
                tls = ApiClient.trusting(caFile);
            } else if (insecure) {
                tls = ApiClient.insecure(base);
            }
        }
        return new ApiClient(base, authorization(), tls);
    }

    private String authorization() throws CliFailure {
        String token = null;
        if (tokenFile != null) {
            token = read(tokenFile, "--token-file");
        } else if (user == null && environment.containsKey("BASTION_CLI_TOKEN")) {
            token = environment.get("BASTION_CLI_TOKEN");
        }
        if (token != null) {
            return ApiClient.bearer(token);
        }
        String name = user != null ? user : environment.get("BASTION_CLI_USER");
        if (name == null || name.isBlank()) {
            throw new CliFailure(
                    CliFailure.USAGE,
                    "who are you? give --user (or $BASTION_CLI_USER) or --token-file (or $BASTION_CLI_TOKEN)");
        }
        char[] password;
        if (passwordFile != null) {
            password = read(passwordFile, "--password-file").toCharArray();
        } else if (environment.containsKey("BASTION_CLI_PASSWORD")) {
            password = environment.get("BASTION_CLI_PASSWORD").toCharArray();
        } else {
            Console console = System.console();
            if (console == null) {
                throw new CliFailure(
                        CliFailure.USAGE,
                        "no terminal to ask for the password: give --password-file or $BASTION_CLI_PASSWORD");
            }
            password = console.readPassword("Password for %s: ", name);
            if (password == null) {
                throw new CliFailure(CliFailure.USAGE, "no password given");
            }
        }
        try {
            return ApiClient.basic(name, password);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static String read(Path file, String option) throws CliFailure {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new CliFailure(CliFailure.USAGE, option + " " + file + " is empty");
            }
            return text;
        } catch (IOException e) {
            throw new CliFailure(CliFailure.USAGE, "cannot read " + option + " " + file);
        }
    }
}
