/**
 * The notifications port: what the core can tell people about (a request waiting for approval, a
 * decision, a grant starting, ending soon or ended). The senders (webhook, mail) live in {@code
 * api}.
 */
package org.bastionforest.shadowgroups.notification;
