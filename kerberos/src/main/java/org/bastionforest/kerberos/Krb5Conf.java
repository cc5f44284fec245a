package org.bastionforest.kerberos;

import java.util.Locale;
import java.util.stream.Collectors;

/** Generates the {@code krb5.conf} snippet for clients of the bastion realm. Stateless. */
final class Krb5Conf {
    private Krb5Conf() {}

    static String snippet(BastionKdc.Options options, String kdcHost, int tcpPort, int udpPort) {
        String realm = options.realm();
        String enctypes =
                options.enctypes().stream().map(Enctype::mitName).collect(Collectors.joining(" "));
        // MIT tries UDP then TCP on each kdc line (TCP first for large requests)
        StringBuilder kdcs = new StringBuilder();
        if (udpPort > 0) {
            kdcs.append("        kdc = ").append(kdcHost).append(':').append(udpPort).append('\n');
        }
        if (tcpPort > 0 && tcpPort != udpPort) {
            kdcs.append("        kdc = ").append(kdcHost).append(':').append(tcpPort).append('\n');
        }
        String domain = realm.toLowerCase(Locale.ROOT);
        return "[libdefaults]\n"
                + "    default_realm = "
                + realm
                + "\n"
                + "    dns_lookup_kdc = false\n"
                + "    dns_lookup_realm = false\n"
                + "    rdns = false\n"
                + "    forwardable = true\n"
                + "    default_tkt_enctypes = "
                + enctypes
                + "\n"
                + "    default_tgs_enctypes = "
                + enctypes
                + "\n"
                + "    permitted_enctypes = "
                + enctypes
                + "\n"
                + "    ticket_lifetime = "
                + options.maxTicketLifetime().toSeconds()
                + "s\n"
                + "    renew_lifetime = "
                + options.maxRenewableLifetime().toSeconds()
                + "s\n"
                + "\n[realms]\n"
                + "    "
                + realm
                + " = {\n"
                + kdcs
                + "    }\n"
                + "\n[domain_realm]\n"
                + "    ."
                + domain
                + " = "
                + realm
                + "\n"
                + "    "
                + domain
                + " = "
                + realm
                + "\n";
    }
}
