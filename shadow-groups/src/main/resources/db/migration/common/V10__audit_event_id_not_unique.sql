-- The audit log's event ids are random UUIDs, covered by each event's hash and never looked up.
-- Their unique index was the costliest of the table's seven to keep up (a random insert position
-- in a disk-backed index on every event, every issued Kerberos ticket among them).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_event_id_uq;
