-- The end time a grant's "ending soon" notice was sent for. An extension moves ends_at, so the
-- notice is sent again for the new end.
ALTER TABLE grants ADD COLUMN ending_soon_for TIMESTAMP WITH TIME ZONE;
