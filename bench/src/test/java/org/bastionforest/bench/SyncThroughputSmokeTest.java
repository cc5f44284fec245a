package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sync benchmark with tiny sizes, so that it cannot rot: every user arrives both ways. */
class SyncThroughputSmokeTest {
    @Test
    void run_whenASmallSource_thenTheEngineAndTheReferenceCopyEveryUser() throws Exception {
        SyncThroughput.Result r = SyncThroughput.run(300, 30);
        assertThat(r.accounts()).as("accounts the engine wrote").isEqualTo(300);
        assertThat(r.copied()).as("entries the SDK-only copy added").isEqualTo(300);
        assertThat(r.syncMillis()).isPositive();
        assertThat(r.markdown()).contains("| the sync engine (300 accounts written) |");
    }

    @Test
    void memory_whenASmallSourceInItsOwnJvm_thenEveryUserSyncedAndThisJvmMeasured()
            throws Exception {
        SyncThroughput.Memory m = SyncThroughput.memory(200, 20);

        assertThat(m.accounts()).isEqualTo(200);
        assertThat(m.outcome()).isEqualTo("COMPLETED");
        assertThat(m.use().heapUsedBytes()).isPositive().isLessThan(m.use().maxHeapBytes());
        assertThat(m.use().rssKb()).isPositive().isLessThanOrEqualTo(m.use().hwmKb());
        assertThat(m.markdown()).startsWith("| sync engine + embedded bastion directory |");
    }

    @Test
    void serviceMemory_whenThePackagedServiceSyncsASmallAdSource_thenEveryUserAndItsJvmMeasured()
            throws Exception {
        SyncThroughput.Memory m = SyncThroughput.serviceMemory(200, 20, "512m");

        assertThat(m.accounts()).as("accounts the service's first sync added").isEqualTo(200);
        assertThat(m.use().maxHeapBytes()).isEqualTo(512L << 20);
        assertThat(m.use().heapUsedBytes()).isPositive().isLessThan(m.use().maxHeapBytes());
        assertThat(m.use().rssKb()).isPositive().isLessThanOrEqualTo(m.use().hwmKb());
        assertThat(m.markdown()).contains("-XX:+UseStringDeduplication", "-Xmx512m");
    }

    @Test
    void launcherDefaults_whenComparedWithTheLauncherScript_thenTheSameOptions() throws Exception {
        // the service-memory benchmark starts the service as ./bastion does: keep them in step
        String script =
                java.nio.file.Files.readString(
                        java.nio.file.Path.of("").toAbsolutePath().getParent().resolve("bastion"));
        assertThat(SyncThroughput.LAUNCHER_DEFAULTS)
                .isNotEmpty()
                .allSatisfy(option -> assertThat(script).contains(option));
    }

    @Test
    void incremental_whenAHundredChanges_thenTheNextRunReadsOnlyThemAndAppliesThem()
            throws Exception {
        SyncThroughput.Incremental r = SyncThroughput.incremental(400, 20);

        assertThat(r.secondRunWasFull()).as("the second run read everything again").isFalse();
        assertThat(r.changes()).isEqualTo(100);
        assertThat(r.counts().added()).as("new users").isEqualTo(20);
        assertThat(r.counts().failed()).isZero();
        assertThat(r.counts().updated() + r.counts().deleted())
                .as("renamed and disabled users")
                .isEqualTo(80);
        assertThat(r.accountsAfter()).isEqualTo(400 + 20 - r.counts().deleted());
        assertThat(r.markdown()).contains("incremental by uSNChanged");
    }
}
