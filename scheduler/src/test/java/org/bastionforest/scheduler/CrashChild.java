package org.bastionforest.scheduler;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * The service in a child JVM for {@link HsqldbCrashIT}: opens the embedded database in {@code
 * args[0]}, starts the scheduler, grants alice a grant ending in {@code args[1]} ms and dave one
 * ending in {@code args[2]} ms, prints {@code GRANT <user> <request id>} for each and {@code READY}
 * once both memberships are in its directory, then waits to be killed. Logs go to stderr.
 */
public final class CrashChild {
    static final String GRANT = "GRANT ";
    static final String READY = "READY";

    private CrashChild() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        RecordingDirectory directory = new RecordingDirectory();
        Node node =
                new Node(
                        DatabaseOptions.embedded(Path.of(args[0])),
                        directory,
                        Node.options("child"));
        node.defineGroup();
        node.scheduler.start();
        AccessRequest alice =
                node.grantEndingIn(UserId.of("alice"), Duration.ofMillis(Long.parseLong(args[1])));
        AccessRequest dave =
                node.grantEndingIn(UserId.of("dave"), Duration.ofMillis(Long.parseLong(args[2])));
        out.println(GRANT + "alice " + alice.id());
        out.println(GRANT + "dave " + dave.id());
        Node.await(
                Duration.ofSeconds(5),
                () ->
                        directory.isMember(UserId.of("alice"), Node.SQL_ADMINS)
                                && directory.isMember(UserId.of("dave"), Node.SQL_ADMINS));
        out.println(READY);
        Thread.sleep(Duration.ofMinutes(5).toMillis());
    }
}
