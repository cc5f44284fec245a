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
}
