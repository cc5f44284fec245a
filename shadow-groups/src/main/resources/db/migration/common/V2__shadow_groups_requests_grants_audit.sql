-- V2: shadow groups and their activation policies, requests, approvals, grants, extensions, the
-- hash-chained audit log and the outbox of bastion-directory membership changes.
-- Portable between HSQLDB 2.7 and PostgreSQL 15: unquoted lower-case names, standard types.

-- A shadow group and its policy. The policy is a JSON document (PolicyCodec) so that new policy
-- settings need no schema change; it is read and validated by the service, never queried in SQL.
-- A deleted group keeps its row (deleted_at set): requests, grants and audit events refer to it.
CREATE TABLE shadow_groups (
    group_id       VARCHAR(63) NOT NULL,
    display_name   VARCHAR(256) NOT NULL,
    description    VARCHAR(2000) NOT NULL,
    production_dn  VARCHAR(1024) NOT NULL,
    production_sid VARCHAR(200) NOT NULL,
    policy         VARCHAR(1000000) NOT NULL,
    revision       BIGINT NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at     TIMESTAMP WITH TIME ZONE,
    CONSTRAINT shadow_groups_pk PRIMARY KEY (group_id)
);

-- A request. open_key is user + group while the request is open (PENDING_APPROVAL, APPROVED,
-- ACTIVE) and NULL once it ended, so that a user has at most one open request per group even when
-- two nodes take two requests at once.
CREATE TABLE access_requests (
    request_id       UUID NOT NULL,
    group_id         VARCHAR(63) NOT NULL,
    requester        VARCHAR(256) NOT NULL,
    state            VARCHAR(20) NOT NULL,
    duration_seconds BIGINT NOT NULL,
    justification    VARCHAR(2000) NOT NULL,
    ticket           VARCHAR(100),
    requested_start  TIMESTAMP WITH TIME ZONE,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    timeout_at       TIMESTAMP WITH TIME ZONE,
    decided_at       TIMESTAMP WITH TIME ZONE,
    decided_by       VARCHAR(256),
    decision_reason  VARCHAR(2000),
    open_key         VARCHAR(330),
    revision         BIGINT NOT NULL,
    CONSTRAINT access_requests_pk PRIMARY KEY (request_id),
    CONSTRAINT access_requests_group_id_fk FOREIGN KEY (group_id) REFERENCES shadow_groups (group_id),
    CONSTRAINT access_requests_open_key_uq UNIQUE (open_key),
    CONSTRAINT access_requests_state_ck CHECK (state IN ('PENDING_APPROVAL', 'APPROVED', 'ACTIVE',
        'EXPIRED', 'REVOKED', 'CLOSED', 'DENIED', 'CANCELLED', 'TIMED_OUT'))
);
CREATE INDEX access_requests_state_ix ON access_requests (state, timeout_at);
CREATE INDEX access_requests_requester_ix ON access_requests (requester, created_at);
CREATE INDEX access_requests_group_ix ON access_requests (group_id, state);

-- One approver's approval of a request; the primary key makes an approver count once.
CREATE TABLE request_approvals (
    request_id  UUID NOT NULL,
    approver    VARCHAR(256) NOT NULL,
    approved_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT request_approvals_pk PRIMARY KEY (request_id, approver),
    CONSTRAINT request_approvals_request_id_fk FOREIGN KEY (request_id)
        REFERENCES access_requests (request_id)
);

-- A grant: the time-limited membership that an ACTIVE request gives. ended_at is NULL while active.
CREATE TABLE grants (
    grant_id        UUID NOT NULL,
    request_id      UUID NOT NULL,
    user_id         VARCHAR(256) NOT NULL,
    group_id        VARCHAR(63) NOT NULL,
    principal_sid   VARCHAR(200) NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    ends_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at        TIMESTAMP WITH TIME ZONE,
    end_reason      VARCHAR(20),
    ended_by        VARCHAR(256),
    end_comment     VARCHAR(2000),
    extensions_used INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT grants_pk PRIMARY KEY (grant_id),
    CONSTRAINT grants_request_id_uq UNIQUE (request_id),
    CONSTRAINT grants_request_id_fk FOREIGN KEY (request_id) REFERENCES access_requests (request_id),
    CONSTRAINT grants_group_id_fk FOREIGN KEY (group_id) REFERENCES shadow_groups (group_id),
    CONSTRAINT grants_ends_after_start_ck CHECK (ends_at > started_at)
);
CREATE INDEX grants_user_ix ON grants (user_id, ended_at);
CREATE INDEX grants_ends_ix ON grants (ended_at, ends_at);

-- One extension of a grant.
CREATE TABLE grant_extensions (
    extension_id     UUID NOT NULL,
    grant_id         UUID NOT NULL,
    requested_by     VARCHAR(256) NOT NULL,
    extended_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    added_seconds    BIGINT NOT NULL,
    previous_ends_at TIMESTAMP WITH TIME ZONE NOT NULL,
    new_ends_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT grant_extensions_pk PRIMARY KEY (extension_id),
    CONSTRAINT grant_extensions_grant_id_fk FOREIGN KEY (grant_id) REFERENCES grants (grant_id)
);

-- The audit log: append-only, hash-chained (AuditLog). seq is the position in the chain; hash is
-- the SHA-256 of the event's canonical form, which includes prev_hash, the hash of the event before.
CREATE TABLE audit_events (
    seq          BIGINT NOT NULL,
    event_id     UUID NOT NULL,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    event_type   VARCHAR(64) NOT NULL,
    actor        VARCHAR(256) NOT NULL,
    subject_user VARCHAR(256),
    group_id     VARCHAR(63),
    request_id   UUID,
    details      VARCHAR(1000000) NOT NULL,
    prev_hash    VARCHAR(64) NOT NULL,
    hash         VARCHAR(64) NOT NULL,
    CONSTRAINT audit_events_pk PRIMARY KEY (seq),
    CONSTRAINT audit_events_event_id_uq UNIQUE (event_id)
);
CREATE INDEX audit_events_occurred_ix ON audit_events (occurred_at);
CREATE INDEX audit_events_actor_ix ON audit_events (actor, seq);
CREATE INDEX audit_events_subject_ix ON audit_events (subject_user, seq);
CREATE INDEX audit_events_group_ix ON audit_events (group_id, seq);
CREATE INDEX audit_events_type_ix ON audit_events (event_type, seq);

-- The head of the chain: one row, updated by every append in the appending transaction, so that
-- appends are serialized (the update locks the row) and a removed last event is detected. The
-- genesis values are part of the schema, not data: the chain starts at seq 0 with 64 zeros.
CREATE TABLE audit_chain_head (
    singleton SMALLINT DEFAULT 1 NOT NULL,
    last_seq  BIGINT NOT NULL,
    last_hash VARCHAR(64) NOT NULL,
    CONSTRAINT audit_chain_head_pk PRIMARY KEY (singleton),
    CONSTRAINT audit_chain_head_one_row CHECK (singleton = 1)
);
INSERT INTO audit_chain_head (singleton, last_seq, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Intended bastion-directory membership changes, written in the transaction that changes a grant
-- (or by the reconciler, then without grant_id) and applied by MembershipDispatcher in op_seq order
-- per (user, principal).
CREATE TABLE directory_outbox (
    op_seq          BIGINT GENERATED BY DEFAULT AS IDENTITY,
    op_id           UUID NOT NULL,
    operation       VARCHAR(10) NOT NULL,
    user_id         VARCHAR(256) NOT NULL,
    principal_sid   VARCHAR(200) NOT NULL,
    member_until    TIMESTAMP WITH TIME ZONE,
    grant_id        UUID,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    status          VARCHAR(10) NOT NULL,
    attempts        INTEGER DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    done_at         TIMESTAMP WITH TIME ZONE,
    last_error      VARCHAR(500),
    CONSTRAINT directory_outbox_pk PRIMARY KEY (op_seq),
    CONSTRAINT directory_outbox_op_id_uq UNIQUE (op_id),
    CONSTRAINT directory_outbox_operation_ck CHECK (operation IN ('ADD', 'REMOVE')),
    CONSTRAINT directory_outbox_status_ck CHECK (status IN ('PENDING', 'DONE'))
);
CREATE INDEX directory_outbox_status_ix ON directory_outbox (status, op_seq);
