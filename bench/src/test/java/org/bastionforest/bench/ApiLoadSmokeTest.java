package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * The API benchmark with tiny sizes, so that it cannot rot: the packaged service in its own JVM, a
 * few grants per authentication path, a short wrk run per read. It checks that every request was
 * answered ACTIVE, every membership was seen and every read succeeded, not how fast.
 */
class ApiLoadSmokeTest {
    @Test
    void run_whenAFewRequestsAndReads_thenEveryOneSucceedsAndIsMeasured() throws Exception {
        Path wrk = ExternalTools.require("wrk", "wrk");
        ApiLoad.Result r = ApiLoad.run(10, 2, 2, 2, wrk);

        assertThat(r.writes()).hasSize(2);
        for (ApiLoad.WriteRun w : r.writes()) {
            assertThat(w.requests()).as(w.path()).isEqualTo(20);
            assertThat(w.errors()).as(w.path() + ": errors and memberships not seen").isZero();
            assertThat(w.activeMicros()).hasSize(20);
            assertThat(w.memberMicros()).as(w.path() + ": memberships seen").hasSize(20);
        }
        assertThat(r.reads()).hasSize(4);
        for (ApiLoad.ReadRun read : r.reads()) {
            assertThat(read.perSecond()).as(read.what()).isPositive();
            assertThat(read.errors()).as(read.what()).isZero();
            assertThat(read.p99Millis()).as(read.what()).isGreaterThanOrEqualTo(read.p50Millis());
        }
        assertThat(r.markdown()).contains("| GET /api/v1/me, Basic |");
    }
}
