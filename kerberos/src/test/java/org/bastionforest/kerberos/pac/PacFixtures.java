package org.bastionforest.kerberos.pac;

import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.bastionforest.shadowgroups.model.Sid;

/** Shared PAC values and keys for the PAC tests. */
final class PacFixtures {
    static final Sid DOMAIN = Sid.parse("S-1-5-21-1004336348-1177238915-682003330");
    static final Sid PROD_DOMAIN_ADMINS = Sid.parse("S-1-5-21-3623811015-3361044348-30300820-512");
    static final Sid PROD_SQL_ADMINS = Sid.parse("S-1-5-21-3623811015-3361044348-30300820-4242");
    static final Instant LOGON = Instant.parse("2026-11-23T00:30:00.1234567Z");
    static final Instant CAP = Instant.parse("2026-11-23T01:30:00Z");

    private PacFixtures() {}

    static Pac alice() {
        return PacBuilder.forUser("alice", "BASTION", "bastion.example", DOMAIN, 1105)
                .fullName("Alice Åström")
                .groupRids(List.of(513L, 1201L))
                .extraSids(List.of(PROD_DOMAIN_ADMINS, PROD_SQL_ADMINS))
                .logonTime(LOGON)
                .kickOffTime(CAP)
                .build();
    }

    static EncryptionKey key(EncryptionType type, int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return new EncryptionKey(type, b);
    }

    static EncryptionKey aes256(long seed) {
        return key(EncryptionType.AES256_CTS_HMAC_SHA1_96, 32, seed);
    }

    static EncryptionKey aes128(long seed) {
        return key(EncryptionType.AES128_CTS_HMAC_SHA1_96, 16, seed);
    }

    static EncryptionKey rc4(long seed) {
        return key(EncryptionType.ARCFOUR_HMAC, 16, seed);
    }
}
