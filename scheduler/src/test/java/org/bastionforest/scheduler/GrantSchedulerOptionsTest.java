package org.bastionforest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestService.Deadline;
import org.junit.jupiter.api.Test;
import org.quartz.TriggerKey;

class GrantSchedulerOptionsTest {
    private static GrantScheduler.Options with(int threads, String instanceId, Duration dispatch) {
        return new GrantScheduler.Options(
                threads,
                Duration.ofSeconds(5),
                false,
                Duration.ofSeconds(5),
                instanceId,
                dispatch,
                Duration.ofSeconds(30),
                Duration.ofMinutes(10),
                Duration.ofMinutes(15));
    }

    @Test
    void options_whenDefaults_thenValidAndNotClustered() {
        GrantScheduler.Options o = GrantScheduler.Options.defaults();

        assertThat(o.clustered()).isFalse();
        assertThat(o.threadCount()).isEqualTo(10);
        assertThat(o.dispatchInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.instanceId()).matches("[A-Za-z0-9._-]+");
    }

    @Test
    void options_whenThreadCountIsZero_thenRefusedNamingIt() {
        assertThatThrownBy(() -> with(0, "a", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("threadCount");
    }

    @Test
    void options_whenInstanceIdHasASpace_thenRefusedNamingIt() {
        assertThatThrownBy(() -> with(4, "node a", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("instanceId");
    }

    @Test
    void options_whenDispatchIntervalIsTooShort_thenRefusedNamingIt() {
        assertThatThrownBy(() -> with(4, "a", Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dispatchInterval");
    }

    @Test
    void clustered_whenGiven_thenKeepsTheOtherSettings() {
        GrantScheduler.Options o =
                with(4, "a", Duration.ofSeconds(2)).clustered("node-2", Duration.ofSeconds(3));

        assertThat(o.clustered()).isTrue();
        assertThat(o.instanceId()).isEqualTo("node-2");
        assertThat(o.checkinInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.threadCount()).isEqualTo(4);
        assertThat(o.dispatchInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void deadlineKey_whenMadeForARequest_thenKindAndIdReadBack() {
        RequestId id = new RequestId(UUID.randomUUID());

        TriggerKey key = GrantScheduler.deadlineKey(Deadline.Kind.TIME_OUT, id);

        assertThat(key.getName()).isEqualTo(id.uuid().toString());
        assertThat(GrantScheduler.kindOf(key)).contains(Deadline.Kind.TIME_OUT);
        assertThat(GrantScheduler.kindOf(TriggerKey.triggerKey("x", "bastion.periodic"))).isEmpty();
    }

    @Test
    void ceilMillis_whenInstantHasMicroseconds_thenRoundsUpSoTheTriggerIsNeverEarly() {
        assertThat(GrantScheduler.ceilMillis(Instant.ofEpochMilli(1000).plusNanos(1000)))
                .isEqualTo(1001);
        assertThat(GrantScheduler.ceilMillis(Instant.ofEpochMilli(1000))).isEqualTo(1000);
    }
}
