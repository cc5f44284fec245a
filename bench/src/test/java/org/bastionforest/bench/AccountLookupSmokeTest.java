package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The membership-write benchmark with tiny sizes, so that it cannot rot; no timing asserts. */
class AccountLookupSmokeTest {
    @Test
    void run_whenAFewAccounts_thenBothPathsAreTimedForEveryPair() throws Exception {
        AccountLookup.Result r = AccountLookup.run(50, 20);
        assertThat(r.accounts()).isEqualTo(50);
        assertThat(r.productMicros()).hasSize(20);
        assertThat(r.referenceMicros()).hasSize(20);
        assertThat(r.productMicros()[0]).isPositive();
        assertThat(r.markdown()).contains("| product: LdapBastionDirectory add + remove |");
    }
}
