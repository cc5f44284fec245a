package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;

/**
 * The KDC benchmark with tiny sizes, so that it cannot rot: the packaged service and MIT's krb5kdc,
 * four users, two clients, about two seconds per run. It checks that every request of every
 * combination got a ticket and that sampled tickets passed the full check (decrypted, nonce, PAC
 * with the production group SID, capped at the grant's end), not how fast.
 */
class KdcThroughputSmokeTest {
    @Test
    void run_whenBothKdcsAreDriven_thenEveryRequestGetsACheckedTicket() throws Exception {
        ExternalTools.require("krb5kdc", "krb5-kdc", "/usr/sbin/krb5kdc");
        ExternalTools.require("kadmin.local", "krb5-admin-server", "/usr/sbin/kadmin.local");

        KdcThroughput.Result r = KdcThroughput.run(4, 2, 500, 2000, 1);

        assertThat(r.runs()).hasSize(8);
        for (KdcThroughput.Run run : r.runs()) {
            String what = run.kdc() + " " + run.kind() + " " + run.transport();
            assertThat(run.errors()).as(what + ": errors").isEmpty();
            assertThat(run.ok()).as(what + ": tickets").isPositive();
            assertThat(run.checked()).as(what + ": replies checked in full").isPositive();
            assertThat(run.micros()).as(what + ": latencies").hasSize((int) run.ok());
            assertThat(run.kdcCpuSeconds()).as(what + ": KDC CPU counted").isPositive();
            assertThat(run.replyBytes()).as(what + ": reply size").isGreaterThan(100);
        }
        assertThat(r.ratio(KdcThroughput.Kind.AS, KdcThroughput.Transport.TCP, true)).isPositive();
        assertThat(r.markdown()).contains("| AS | UDP | bastion |").contains("| TGS TCP |");
    }
}
