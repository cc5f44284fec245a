package org.bastionforest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 3 for the scheduler on the embedded database: the service (a child JVM) takes two
 * grants and is killed with SIGKILL; alice's grant ends while it is down, dave's after the restart.
 * The restarted service ends alice's before {@code start()} returns and dave's on time.
 */
class HsqldbCrashIT {
    private static final UserId ALICE = UserId.of("alice");
    private static final UserId DAVE = UserId.of("dave");

    /** Reopening after the crash waits about 10 s for HSQLDB's stale lock: dave's ends after. */
    private static final long ALICE_ENDS_IN_MS = 3_000;

    private static final long DAVE_ENDS_IN_MS = 22_000;

    @TempDir Path dataDir;

    @Test
    void start_whenTheServiceWasKilledAndGrantsEndedMeanwhile_thenEndedAtStartAndTheRestOnTime()
            throws Exception {
        Path childLog = dataDir.resolve("child.log");
        Process child =
                new ProcessBuilder(
                                List.of(
                                        Path.of(System.getProperty("java.home"), "bin", "java")
                                                .toString(),
                                        "-Xmx256m",
                                        "-XX:TieredStopAtLevel=1",
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        CrashChild.class.getName(),
                                        dataDir.toString(),
                                        Long.toString(ALICE_ENDS_IN_MS),
                                        Long.toString(DAVE_ENDS_IN_MS)))
                        .redirectError(childLog.toFile())
                        .start();
        Map<String, RequestId> grants = new HashMap<>();
        boolean ready = false;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(CrashChild.GRANT)) {
                    String[] parts = line.substring(CrashChild.GRANT.length()).split(" ");
                    grants.put(parts[0], RequestId.parse(parts[1]));
                } else if (line.equals(CrashChild.READY)) {
                    ready = true;
                    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no SHUTDOWN
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(ready).as(Files.readString(childLog)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        // the bastion directory outlives the service: it still holds both memberships
        RecordingDirectory directory = new RecordingDirectory();
        directory.addByHand(ALICE, Node.SQL_ADMINS);
        directory.addByHand(DAVE, Node.SQL_ADMINS);
        try (Node node =
                new Node(DatabaseOptions.embedded(dataDir), directory, Node.options("restarted"))) {
            Instant aliceEnd =
                    node.requests.get(grants.get("alice"), ALICE).grant().orElseThrow().endsAt();
            Instant daveEnd =
                    node.requests.get(grants.get("dave"), DAVE).grant().orElseThrow().endsAt();
            assertThat(Instant.now())
                    .as("alice's grant ended while the service was down")
                    .isAfter(aliceEnd);

            node.scheduler.start();

            assertThat(node.row(grants.get("alice")).state()).isEqualTo(RequestState.EXPIRED);
            assertThat(directory.isMember(ALICE, Node.SQL_ADMINS))
                    .as("removed by start()")
                    .isFalse();
            assertThat(Instant.now()).as("restarted before dave's end").isBefore(daveEnd);
            assertThat(node.row(grants.get("dave")).state()).isEqualTo(RequestState.ACTIVE);
            assertThat(directory.isMember(DAVE, Node.SQL_ADMINS)).isTrue();

            Node.await(
                    Duration.between(Instant.now(), daveEnd).plusSeconds(3),
                    () -> !directory.isMember(DAVE, Node.SQL_ADMINS));
            assertThat(directory.removedAt(DAVE, Node.SQL_ADMINS))
                    .hasValueSatisfying(
                            t ->
                                    assertThat(t)
                                            .isBetween(
                                                    daveEnd,
                                                    daveEnd.plus(GrantSchedulerContract.ON_TIME)));
            assertThat(node.row(grants.get("dave")).state()).isEqualTo(RequestState.EXPIRED);
        }
    }
}
