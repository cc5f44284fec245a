package org.bastionforest.shadowgroups.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The audit log's hand-written JSON (hash input, details, export and journal lines) against what
 * Jackson's default generator writes — the form every stored hash was computed over before. Any
 * difference would make old rows fail verification, or the journal unreadable.
 */
class AuditJsonTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    /** The canonical form as the audit log hashed it with Jackson. */
    private static String jacksonHash(
            UUID eventId, AuditEvent event, String details, String prevHash) throws Exception {
        ArrayNode canonical = JACKSON.createArrayNode();
        canonical.add(1);
        canonical.add(eventId.toString());
        canonical.add(event.occurredAt().toString());
        canonical.add(event.type());
        canonical.add(event.actor());
        canonical.add(event.subjectUser().orElse(null));
        canonical.add(event.groupId().orElse(null));
        canonical.add(event.requestId().map(UUID::toString).orElse(null));
        canonical.add(details);
        canonical.add(prevHash);
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(
                                        JACKSON.writeValueAsString(canonical)
                                                .getBytes(StandardCharsets.UTF_8)));
    }

    private static String jacksonLine(AuditRecord record) throws Exception {
        ObjectNode o = JACKSON.createObjectNode();
        o.put("seq", record.seq());
        o.put("eventId", record.eventId().toString());
        o.put("occurredAt", record.event().occurredAt().toString());
        o.put("type", record.event().type());
        o.put("actor", record.event().actor());
        o.put("user", record.event().subjectUser().orElse(null));
        o.put("group", record.event().groupId().orElse(null));
        o.put("request", record.event().requestId().map(UUID::toString).orElse(null));
        ObjectNode details = o.putObject("details");
        record.event().details().forEach(details::put);
        o.put("prevHash", record.prevHash());
        o.put("hash", record.hash());
        return JACKSON.writeValueAsString(o);
    }

    /** Strings of every kind: controls, quotes, backslashes, non-ASCII, emoji, lone surrogates. */
    private static String text(Random r) {
        int n = r.nextInt(24);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> b.append((char) r.nextInt(0x20)); // control
                case 1 -> b.append("\"\\/'<>&".charAt(r.nextInt(7)));
                case 2 -> b.append((char) (0x7f + r.nextInt(0x700))); // DEL, Latin-1, Greek...
                case 3 -> b.appendCodePoint(0x1F600 + r.nextInt(80)); // emoji (pairs)
                case 4 -> b.append((char) (0xD800 + r.nextInt(0x800))); // lone surrogate
                case 5 -> b.append('\u2028');
                default -> b.append((char) (0x20 + r.nextInt(0x5f))); // printable ASCII
            }
        }
        return b.toString();
    }

    @Test
    void handWrittenJson_equalsJacksonsForEveryKindOfCharacter() throws Exception {
        Random r = new Random(20261123);
        for (int i = 0; i < 5_000; i++) {
            Map<String, String> details = new TreeMap<>();
            int k = r.nextInt(6);
            for (int j = 0; j < k; j++) {
                details.put(text(r), text(r));
            }
            String actor = "a" + text(r);
            AuditEvent event =
                    new AuditEvent(
                            "kerberos.ticket.issued",
                            Instant.ofEpochSecond(
                                    1_700_000_000L + r.nextInt(1 << 30),
                                    r.nextInt(1_000_000) * 1000L),
                            actor,
                            r.nextBoolean() ? Optional.of(text(r)) : Optional.empty(),
                            r.nextBoolean() ? Optional.of(text(r)) : Optional.empty(),
                            r.nextBoolean() ? Optional.of(UUID.randomUUID()) : Optional.empty(),
                            details);
            UUID id = UUID.randomUUID();
            String prev = r.nextBoolean() ? AuditLog.GENESIS : text(r);

            String json = AuditLog.json(event.details());
            assertThat(json).isEqualTo(JACKSON.writeValueAsString(new TreeMap<>(event.details())));
            String hash = AuditLog.hash(id, event, json, prev);
            assertThat(hash).isEqualTo(jacksonHash(id, event, json, prev));
            assertThat(AuditLog.hash(id, event, prev))
                    .as("the journal's hash of the details, escaped twice at once")
                    .isEqualTo(hash);
            AuditRecord record = new AuditRecord(1 + r.nextInt(1 << 20), id, event, prev, hash);
            String line = AuditLog.jsonLine(record);
            assertThat(line).isEqualTo(jacksonLine(record));
            if (!line.codePoints().anyMatch(c -> c >= 0xD800 && c <= 0xDFFF)) {
                // read back (a lone surrogate cannot round-trip through UTF-8 in either form)
                assertThat(AuditLog.parseJsonLine(line)).isEqualTo(record);
            }
        }
    }

    @Test
    void json_ofAnUnsortedMap_isSortedByKey() {
        Map<String, String> unsorted = new java.util.LinkedHashMap<>();
        unsorted.put("b", "2");
        unsorted.put("a", "1");
        assertThat(AuditLog.json(unsorted)).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
        assertThat(AuditLog.json(Map.of())).isEqualTo("{}");
    }

    @Test
    void withDetails_isWithDetailForEach_nullsBecomeEmpty_andTheDetailsStaySorted() {
        AuditEvent base = AuditEvent.of("kerberos.ticket.issued", Instant.EPOCH, "alice");
        Map<String, Object> more = new java.util.HashMap<>();
        more.put("zeta", 1);
        more.put("alpha", Instant.EPOCH);
        more.put("none", null);
        AuditEvent bulk = base.withDetail("mid", "x").withDetails(more);
        AuditEvent oneByOne =
                base.withDetail("mid", "x")
                        .withDetail("zeta", 1)
                        .withDetail("alpha", Instant.EPOCH)
                        .withDetail("none", null);
        assertThat(bulk).isEqualTo(oneByOne);
        assertThat(bulk.details().keySet()).containsExactly("alpha", "mid", "none", "zeta");
        assertThat(bulk.details()).containsEntry("none", "");
        assertThat(bulk.details()).isInstanceOf(java.util.SortedMap.class);
    }

    /**
     * Known answers, computed by the Jackson-based implementation (jackson-databind 2.22.4) before
     * the hand-written one replaced it: stored hashes must keep verifying whatever Jackson on the
     * class path does later.
     */
    @Test
    void knownAnswer_fromTheJacksonImplementation() throws Exception {
        AuditEvent event =
                new AuditEvent(
                        "kerberos.ticket.issued",
                        Instant.parse("2026-11-23T12:34:56.123456Z"),
                        "alice@BASTION.TEST",
                        Optional.of("alice"),
                        Optional.empty(),
                        Optional.of(UUID.fromString("00000000-0000-4000-8000-000000000002")),
                        Map.of(
                                "reason",
                                "line\nbreak \"quoted\" back\\slash tab\t \u0001 caf\u00e9"
                                        + " \u2028 \ud83d\ude00 a/b \u007f",
                                "exchange",
                                "AS"));
        UUID id = UUID.fromString("00000000-0000-4000-8000-000000000001");
        String hash = AuditLog.hash(id, event, AuditLog.json(event.details()), AuditLog.GENESIS);
        assertThat(hash)
                .isEqualTo("ad7577ec79fa71e89d7aff37d12b786ebf1a51b9e3076d017f609a2267c91685");
        assertThat(AuditLog.hash(id, event, AuditLog.GENESIS)).isEqualTo(hash);
        String line = AuditLog.jsonLine(new AuditRecord(7, id, event, AuditLog.GENESIS, hash));
        assertThat(
                        HexFormat.of()
                                .formatHex(
                                        MessageDigest.getInstance("SHA-256")
                                                .digest(line.getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("8c3c4fa6ecc38adf6532758eb65dab1631a700bf261841cdc4287da18a85b7b4");
    }
}
