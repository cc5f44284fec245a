package org.bastionforest.shadowgroups.notification;

/**
 * Sends notifications (a webhook's JSON POST, a mail). Implemented in {@code api}.
 *
 * <p>Delivery is at least once: an implementation retries on its own and reports failure only after
 * giving up; receivers drop duplicates by {@link Notification#id()}. A notification never decides
 * anything: a failure to send must not undo or block the change it reports. Implementations must be
 * thread-safe and must not block the caller for long (queue, then send).
 */
@FunctionalInterface
public interface Notifier {
    /** Sends nothing: for a service with no webhook or mail configured. */
    Notifier NONE = notification -> {};

    /** Queues {@code notification} for sending. Never throws for a delivery failure. */
    void send(Notification notification);
}
