package org.bastionforest.kerberos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.common.EncryptionUtil;
import org.apache.kerby.kerberos.kerb.crypto.CheckSumHandler;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.crypto.util.Nfold;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.base.CheckSum;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.bastionforest.kerberos.crypto.KerberosCrypto.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our AES enctypes against published vectors (RFC 3961 n-fold, RFC 3962 CTS) and against Kerby's
 * implementation (which MIT clients accept, see the MIT interop tests) in both directions; and the
 * ways a ciphertext or checksum can be wrong.
 */
class KerberosCryptoTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final List<KeyUsage> USAGES =
            List.of(
                    KeyUsage.AS_REQ_PA_ENC_TS,
                    KeyUsage.KDC_REP_TICKET,
                    KeyUsage.AS_REP_ENCPART,
                    KeyUsage.TGS_REQ_AUTH,
                    KeyUsage.TGS_REP_ENCPART_SESSKEY,
                    KeyUsage.TGS_REP_ENCPART_SUBKEY);

    enum Aes {
        AES128(EncryptionType.AES128_CTS_HMAC_SHA1_96, CheckSumType.HMAC_SHA1_96_AES128, 16),
        AES256(EncryptionType.AES256_CTS_HMAC_SHA1_96, CheckSumType.HMAC_SHA1_96_AES256, 32);

        final EncryptionType type;
        final CheckSumType checksum;
        final int length;

        Aes(EncryptionType type, CheckSumType checksum, int length) {
            this.type = type;
            this.checksum = checksum;
            this.length = length;
        }
    }

    // RFC 3961 appendix A.1
    @ParameterizedTest
    @CsvSource({
        "012345, 64, be072631276b1955",
        "password, 56, 78a07b6caf85fa",
        "'Rough Consensus, and Running Code', 64, bb6ed30870b7f0e0",
        "password, 168, 59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e",
        "MASSACHVSETTS INSTITVTE OF TECHNOLOGY, 192,"
                + " db3b0d8f0b061e603282b308a50841229ad798fab9540c1b",
        "Q, 168, 518a54a215a8452a518a54a215a8452a518a54a215",
        "ba, 168, fb25d531ae8974499f52fd92ea9857c4ba24cf297e",
        "kerberos, 64, 6b65726265726f73",
        "kerberos, 128, 6b65726265726f737b9b5b2b93132b93",
        "kerberos, 168, 8372c236344e5f1550cd0747e15d62ca7a5a3bcea4",
        "kerberos, 256, 6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"
    })
    void nfold_matchesRfc3961Vectors(String input, int bits, String expected) {
        byte[] in = input.getBytes(StandardCharsets.US_ASCII);
        assertThat(HEX.formatHex(Rfc3962.nfold(in, bits / 8))).isEqualTo(expected);
    }

    @Test
    void nfold_ofEveryKeyUsageConstant_matchesKerby() {
        for (int usage = 0; usage < 64; usage++) {
            for (byte kind : new byte[] {Rfc3962.ENCRYPTION, Rfc3962.INTEGRITY, Rfc3962.CHECKSUM}) {
                byte[] c = {0, 0, 0, (byte) usage, kind};
                assertThat(Rfc3962.nfold(c, 16)).isEqualTo(Nfold.nfold(c, 16));
            }
        }
    }

    // RFC 3962 appendix B: AES-128 key "chicken teriyaki", IV zero
    @ParameterizedTest
    @CsvSource({
        "4920776f756c64206c696b652074686520, c6353568f2bf8cb4d8a580362da7ff7f97",
        "4920776f756c64206c696b65207468652047656e6572616c20476175277320,"
                + " fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5",
        "4920776f756c64206c696b65207468652047656e6572616c2047617527732043,"
                + " 39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"
    })
    void cts_matchesRfc3962Vectors(String plain, String cipher) {
        byte[] key = "chicken teriyaki".getBytes(StandardCharsets.US_ASCII);
        assertThat(HEX.formatHex(Rfc3962.ctsEncrypt(key, HEX.parseHex(plain)))).isEqualTo(cipher);
        assertThat(HEX.formatHex(Rfc3962.ctsDecrypt(key, HEX.parseHex(cipher)))).isEqualTo(plain);
    }

    @ParameterizedTest
    @EnumSource(Aes.class)
    void encryption_interoperatesWithKerby_inBothDirections_forEveryLength(Aes aes)
            throws Exception {
        Random random = new Random(aes.length);
        for (int length = 0; length <= 80; length++) {
            for (Key kind : Key.values()) {
                EncryptionKey key = key(aes, random);
                KeyUsage usage = USAGES.get(random.nextInt(USAGES.size()));
                byte[] plain = bytes(random, length);

                byte[] ours =
                        Rfc3962.encrypt(
                                key.getKeyData(), usage.getValue(), plain, kind == Key.LONG_TERM);
                assertThat(ours).hasSize(16 + length + 12);
                assertThat(EncryptionHandler.decrypt(ours, key, usage)).isEqualTo(plain);

                EncryptedData theirs = EncryptionHandler.encrypt(plain, key, usage);
                assertThat(
                                Rfc3962.decrypt(
                                        key.getKeyData(),
                                        usage.getValue(),
                                        theirs.getCipher(),
                                        kind == Key.LONG_TERM))
                        .isEqualTo(plain);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Aes.class)
    void sealedMessages_openWithKerby_andKerbysOpenWithOurs(Aes aes) throws Exception {
        EncryptionKey key = key(aes, new Random(7));
        key.setKvno(3);
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(new KerberosTime(1_700_000_000_000L));
        ts.setPaUsec(123);

        EncryptedData ours = KerberosCrypto.seal(ts, key, KeyUsage.AS_REQ_PA_ENC_TS, Key.LONG_TERM);
        assertThat(ours.getEType()).isEqualTo(aes.type);
        assertThat(ours.getKvno()).isEqualTo(3);
        PaEncTsEnc back =
                EncryptionUtil.unseal(ours, key, KeyUsage.AS_REQ_PA_ENC_TS, PaEncTsEnc.class);
        assertThat(back.getPaUsec()).isEqualTo(123);

        EncryptedData theirs = EncryptionUtil.seal(ts, key, KeyUsage.AS_REQ_PA_ENC_TS);
        PaEncTsEnc opened =
                KerberosCrypto.unseal(
                        theirs, key, KeyUsage.AS_REQ_PA_ENC_TS, PaEncTsEnc.class, Key.SESSION);
        assertThat(opened.getPaTimestamp().getTime()).isEqualTo(1_700_000_000_000L);
    }

    @ParameterizedTest
    @EnumSource(Aes.class)
    void checksums_equalKerbys(Aes aes) throws Exception {
        Random random = new Random(11);
        for (int length = 0; length <= 70; length++) {
            byte[] key = key(aes, random).getKeyData();
            byte[] data = bytes(random, length);
            for (KeyUsage usage : List.of(KeyUsage.TGS_REQ_AUTH_CKSUM, KeyUsage.APP_DATA_CKSUM)) {
                byte[] theirs =
                        CheckSumHandler.checksumWithKey(aes.checksum, data, key, usage)
                                .getChecksum();
                for (Key kind : Key.values()) {
                    assertThat(KerberosCrypto.checksum(aes.checksum, data, key, usage, kind))
                            .isEqualTo(theirs);
                    assertThat(
                                    KerberosCrypto.verify(
                                            new CheckSum(aes.checksum, theirs),
                                            data,
                                            key,
                                            usage,
                                            kind))
                            .isTrue();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Aes.class)
    void everyAlteredByte_wrongKey_wrongUsage_orTruncation_failsIntegrity(Aes aes)
            throws Exception {
        Random random = new Random(13);
        byte[] key = key(aes, random).getKeyData();
        byte[] plain = bytes(random, 45);
        byte[] c = Rfc3962.encrypt(key, 2, plain, true);
        for (int i = 0; i < c.length; i++) {
            byte[] altered = c.clone();
            altered[i] ^= 1;
            assertThatThrownBy(() -> Rfc3962.decrypt(key, 2, altered, true))
                    .as("byte %d altered", i)
                    .isInstanceOf(Rfc3962.IntegrityException.class);
        }
        byte[] other = key(aes, random).getKeyData();
        assertThatThrownBy(() -> Rfc3962.decrypt(other, 2, c, true))
                .isInstanceOf(Rfc3962.IntegrityException.class);
        assertThatThrownBy(() -> Rfc3962.decrypt(key, 3, c, true))
                .isInstanceOf(Rfc3962.IntegrityException.class);
        for (int length = 0; length < 28; length++) {
            byte[] shorter = java.util.Arrays.copyOf(c, length);
            assertThatThrownBy(() -> Rfc3962.decrypt(key, 2, shorter, false))
                    .isInstanceOf(Rfc3962.IntegrityException.class);
        }
        // exactly a confounder and a MAC: an empty message, which must still verify
        byte[] empty = Rfc3962.encrypt(key, 2, new byte[0], false);
        assertThat(empty).hasSize(28);
        assertThat(Rfc3962.decrypt(key, 2, empty, true)).isEmpty();
    }

    @Test
    void unseal_refusesAnotherEnctypeThanTheKeys_andAKeyOfTheWrongLength() throws Exception {
        EncryptionKey aes256 = key(Aes.AES256, new Random(17));
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(new KerberosTime(1_700_000_000_000L));
        EncryptedData sealed =
                KerberosCrypto.seal(ts, aes256, KeyUsage.AS_REQ_PA_ENC_TS, Key.SESSION);
        sealed.setEType(EncryptionType.AES128_CTS_HMAC_SHA1_96);
        assertThatThrownBy(
                        () ->
                                KerberosCrypto.unseal(
                                        sealed,
                                        aes256,
                                        KeyUsage.AS_REQ_PA_ENC_TS,
                                        PaEncTsEnc.class,
                                        Key.SESSION))
                .isInstanceOfSatisfying(
                        KrbException.class,
                        e ->
                                assertThat(e.getKrbErrorCode())
                                        .isEqualTo(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY));
        EncryptionKey truncated =
                new EncryptionKey(
                        EncryptionType.AES256_CTS_HMAC_SHA1_96,
                        java.util.Arrays.copyOf(aes256.getKeyData(), 16));
        sealed.setEType(EncryptionType.AES256_CTS_HMAC_SHA1_96);
        assertThatThrownBy(
                        () ->
                                KerberosCrypto.unseal(
                                        sealed,
                                        truncated,
                                        KeyUsage.AS_REQ_PA_ENC_TS,
                                        PaEncTsEnc.class,
                                        Key.SESSION))
                .isInstanceOf(KrbException.class);
        byte[] data = {1, 2, 3};
        CheckSum aes128Sum =
                new CheckSum(
                        CheckSumType.HMAC_SHA1_96_AES128,
                        KerberosCrypto.checksum(
                                CheckSumType.HMAC_SHA1_96_AES128,
                                data,
                                new byte[16],
                                KeyUsage.TGS_REQ_AUTH_CKSUM,
                                Key.SESSION));
        assertThat(
                        KerberosCrypto.verify(
                                aes128Sum,
                                data,
                                aes256.getKeyData(),
                                KeyUsage.TGS_REQ_AUTH_CKSUM,
                                Key.SESSION))
                .isFalse();
    }

    @Test
    void sessionKeys_areNotCached_longTermKeysAre_andTheCacheStaysBounded() {
        Random random = new Random(19);
        byte[] session = key(Aes.AES256, random).getKeyData();
        Rfc3962.clearCache();
        int before = Rfc3962.cached();
        Rfc3962.encrypt(session, 2, new byte[5], false);
        Rfc3962.checksum(session, 6, new byte[5], false);
        assertThat(Rfc3962.cached()).isEqualTo(before);

        byte[] longTerm = key(Aes.AES256, random).getKeyData();
        byte[] c = Rfc3962.encrypt(longTerm, 2, new byte[5], true);
        assertThat(Rfc3962.cached()).as("Ke and Ki of usage 2").isEqualTo(before + 2);
        // the cache holds a copy: changing the caller's array changes nothing cached
        byte[] original = longTerm.clone();
        longTerm[0] ^= 1;
        assertThatThrownBy(() -> Rfc3962.decrypt(longTerm, 2, c, true))
                .isInstanceOf(Rfc3962.IntegrityException.class);
        assertThat(catchingDecrypt(original, c)).isEqualTo(new byte[5]);

        for (int i = 0; i < Rfc3962.CACHE_LIMIT + 10; i++) {
            Rfc3962.checksum(key(Aes.AES128, random).getKeyData(), 17, new byte[1], true);
        }
        assertThat(Rfc3962.cached()).isLessThanOrEqualTo(Rfc3962.CACHE_LIMIT);
    }

    @Test
    void manyThreads_sharingLongTermKeys_getCorrectResults() throws Exception {
        Random random = new Random(23);
        List<EncryptionKey> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            keys.add(key(i % 2 == 0 ? Aes.AES256 : Aes.AES128, random));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(
                        pool.submit(
                                () -> {
                                    Random r = new Random(seed);
                                    int checked = 0;
                                    for (int i = 0; i < 2_000; i++) {
                                        EncryptionKey k = keys.get(r.nextInt(keys.size()));
                                        byte[] plain = bytes(r, r.nextInt(200));
                                        int usage = 1 + r.nextInt(12);
                                        byte[] c =
                                                Rfc3962.encrypt(k.getKeyData(), usage, plain, true);
                                        byte[] back =
                                                EncryptionHandler.decrypt(
                                                        c, k, KeyUsage.fromValue(usage));
                                        if (!java.util.Arrays.equals(back, plain)) {
                                            throw new AssertionError("mismatch at " + i);
                                        }
                                        checked++;
                                    }
                                    return checked;
                                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(2_000);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] catchingDecrypt(byte[] key, byte[] c) {
        try {
            return Rfc3962.decrypt(key, 2, c, true);
        } catch (Rfc3962.IntegrityException e) {
            throw new AssertionError(e);
        }
    }

    private static EncryptionKey key(Aes aes, Random random) {
        return new EncryptionKey(aes.type, bytes(random, aes.length));
    }

    private static byte[] bytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    @Test
    void randomKey_whenAesOrRc4_thenKeysOfTheRightLengthAndNeverTheSame() throws Exception {
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 2_000; i++) {
                                        for (Aes aes : Aes.values()) {
                                            EncryptionKey k = KerberosCrypto.randomKey(aes.type);
                                            assertThat(k.getKeyType()).isEqualTo(aes.type);
                                            assertThat(k.getKeyData()).hasSize(aes.length);
                                            assertThat(seen.add(HEX.formatHex(k.getKeyData())))
                                                    .isTrue();
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(seen).hasSize(4 * 2_000 * 2);
        EncryptionKey rc4 = KerberosCrypto.randomKey(EncryptionType.ARCFOUR_HMAC);
        assertThat(rc4.getKeyType()).isEqualTo(EncryptionType.ARCFOUR_HMAC);
        assertThat(rc4.getKeyData()).hasSize(16);
    }
}
