-- V6: the production -> bastion sync (ldap-sync's SyncEngine).
--
-- sync_state: where the next incremental run of one source starts: the DirSync cookie (base64), the
-- DC and its uSNChanged high-water mark, or the modifyTimestamp high-water mark; written in the
-- same transaction as the batch it follows.
CREATE TABLE sync_state (
    source_key  VARCHAR(512) NOT NULL,
    state       VARCHAR(65536) NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sync_state_pk PRIMARY KEY (source_key)
);

-- sync_pending_deletions: production objects an incremental run saw deleted (or leaving the scope)
-- whose bastion objects are not deleted yet: kept across runs until the mass-delete guard lets them
-- go, so that a tripped guard (or a crash) loses none of them although the cookie moved on.
CREATE TABLE sync_pending_deletions (
    source_key  VARCHAR(512) NOT NULL,
    anchor      VARCHAR(64) NOT NULL,
    seen_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sync_pending_deletions_pk PRIMARY KEY (source_key, anchor)
);

-- sync_runs: one row per finished run (completed, failed or stopped by the mass-delete guard).
CREATE TABLE sync_runs (
    run_id             UUID NOT NULL,
    source_key         VARCHAR(512) NOT NULL,
    outcome            VARCHAR(32) NOT NULL,
    full_sync          BOOLEAN NOT NULL,
    started_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    added              INTEGER NOT NULL,
    updated            INTEGER NOT NULL,
    renamed            INTEGER NOT NULL,
    deleted            INTEGER NOT NULL,
    failed             INTEGER NOT NULL,
    unchanged          INTEGER NOT NULL,
    revoked            INTEGER NOT NULL,
    pending_deletions  INTEGER NOT NULL,
    checkpoint         VARCHAR(65536),
    message            VARCHAR(2000) NOT NULL,
    CONSTRAINT sync_runs_pk PRIMARY KEY (run_id)
);

CREATE INDEX sync_runs_finished_ix ON sync_runs (finished_at);
