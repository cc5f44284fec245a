package org.bastionforest.ldapsync.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.time.Instant;
import java.util.List;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every bastion directory the membership writer supports must do. Subclasses provide a real
 * directory with a shadow principal for {@link #principalSid()} and the accounts {@code alice} and
 * {@code bob}.
 */
abstract class BastionDirectoryContract {
    static final Instant UNTIL = Instant.parse("2030-01-01T00:00:00Z");
    protected LdapBastionDirectory writer;

    protected abstract LDAPInterface ldap();

    protected abstract DN accountsBase();

    protected abstract DN container();

    protected abstract Sid principalSid();

    protected abstract DN principalDn();

    /** The DN of the account named {@code sam}. */
    protected abstract DN accountDn(String sam);

    /** The writer under test (plain member values unless a subclass says otherwise). */
    protected LdapBastionDirectory newWriter() {
        return new LdapBastionDirectory(ldap(), accountsBase(), container());
    }

    @BeforeEach
    void clearMembers() throws Exception {
        writer = newWriter();
        Entry principal = ldap().getEntry(principalDn().toString(), "member");
        if (principal.hasAttribute("member")) {
            ldap().modify(
                            principalDn().toString(),
                            new Modification(ModificationType.DELETE, "member"));
        }
    }

    private List<String> memberValues() throws Exception {
        Entry e = ldap().getEntry(principalDn().toString(), "member");
        return e.hasAttribute("member") ? List.of(e.getAttributeValues("member")) : List.of();
    }

    @Test
    void addMember_whenAccountAndPrincipalExist_thenMemberValueIsTheAccountDn() throws Exception {
        writer.addMember(new UserId("alice"), principalSid(), UNTIL);
        assertThat(memberValues()).hasSize(1);
        assertThat(new DN(memberValues().get(0))).isEqualTo(accountDn("alice"));
        assertThat(writer.members(principalSid())).containsExactly(new UserId("alice"));
    }

    @Test
    void addMember_whenCalledTwice_thenOneValueAndNoError() throws Exception {
        writer.addMember(new UserId("Alice"), principalSid(), UNTIL);
        writer.addMember(new UserId("alice"), principalSid(), UNTIL);
        assertThat(memberValues()).hasSize(1);
    }

    @Test
    void removeMember_whenMember_thenGoneAndOthersKept() throws Exception {
        writer.addMember(new UserId("alice"), principalSid(), UNTIL);
        writer.addMember(new UserId("bob"), principalSid(), UNTIL);
        writer.removeMember(new UserId("alice"), principalSid());
        assertThat(writer.members(principalSid())).containsExactly(new UserId("bob"));
    }

    @Test
    void removeMember_whenNotAMemberOrUnknownAccount_thenSucceedsAndChangesNothing()
            throws Exception {
        writer.addMember(new UserId("bob"), principalSid(), UNTIL);
        writer.removeMember(new UserId("alice"), principalSid());
        writer.removeMember(new UserId("nobody-here"), principalSid());
        assertThat(writer.members(principalSid())).containsExactly(new UserId("bob"));
    }

    @Test
    void members_whenValueAddedByHandIsNoBastionAccount_thenReportedAsDnAndRemovable()
            throws Exception {
        String foreign = container().toString(); // any existing entry that is not an account
        ldap().modify(
                        principalDn().toString(),
                        new Modification(ModificationType.ADD, "member", foreign));
        UserId reported = writer.members(principalSid()).stream().findFirst().orElseThrow();
        assertThat(reported.value()).startsWith(LdapBastionDirectory.FOREIGN_MEMBER_PREFIX);
        writer.removeMember(reported, principalSid());
        assertThat(memberValues()).isEmpty();
    }

    @Test
    void addMember_whenAccountUnknown_thenUnavailableAndNothingWritten() throws Exception {
        assertThatThrownBy(() -> writer.addMember(new UserId("nobody-here"), principalSid(), UNTIL))
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining("no bastion account");
        assertThat(memberValues()).isEmpty();
    }

    @Test
    void addMember_whenUserIdIsAFilterInjection_thenMatchesNothing() throws Exception {
        for (String attack :
                List.of("*", "alice)(sAMAccountName=*", "*)(objectClass=*", "alice\\00")) {
            assertThatThrownBy(() -> writer.addMember(new UserId(attack), principalSid(), UNTIL))
                    .as(attack)
                    .isInstanceOf(DirectoryUnavailableException.class);
        }
        assertThat(memberValues()).isEmpty();
    }

    @Test
    void addMember_whenNoPrincipalForTheSid_thenUnavailable() {
        Sid unknown = Sid.parse("S-1-5-21-9-9-9-4242");
        assertThatThrownBy(() -> writer.addMember(new UserId("alice"), unknown, UNTIL))
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining("no shadow principal");
    }
}
