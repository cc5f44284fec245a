-- V5: how far the notification relay has read the audit log (one row). Notifications are derived
-- from committed audit events after this sequence number; see NotificationRelay.
CREATE TABLE notification_cursor (
    singleton INTEGER NOT NULL,
    last_seq  BIGINT NOT NULL,
    CONSTRAINT notification_cursor_pk PRIMARY KEY (singleton),
    CONSTRAINT notification_cursor_singleton_ck CHECK (singleton = 1)
);

INSERT INTO notification_cursor (singleton, last_seq) VALUES (1, 0);
