package org.bastionforest.api.service;

import java.util.stream.Collectors;
import org.bastionforest.shadowgroups.notification.Notification;
import org.bastionforest.shadowgroups.notification.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends notifications to the service log (logger {@code org.bastionforest.notifications}, event id
 * {@code notification.sent}), one line each: kind, request, shadow group, requester, recipients and
 * the grant's end. Route that logger to your mail or chat bridge; a notification holds no secret.
 *
 * <p>Stateless and thread-safe.
 */
final class LogNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger("org.bastionforest.notifications");

    @Override
    public void send(Notification n) {
        LOG.info(
                "notification.sent: id={} kind={} request={} group={} requester={} recipients=[{}]"
                        + " recipientGroups=[{}]{}",
                n.id(),
                n.kind(),
                n.request(),
                n.group().value(),
                n.requester().value(),
                n.recipients().stream().map(u -> u.value()).collect(Collectors.joining(",")),
                n.recipientGroups().stream().map(Object::toString).collect(Collectors.joining(",")),
                n.endsAt().map(t -> " endsAt=" + t).orElse(""));
    }
}
