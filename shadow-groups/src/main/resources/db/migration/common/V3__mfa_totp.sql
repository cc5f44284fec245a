-- V3: TOTP enrolments (TotpService). The secret is kept encrypted (AES-GCM, base64 of nonce and
-- ciphertext, the user id as associated data), never in clear. last_used_step refuses a code
-- twice; failures and locked_until rate-limit guessing.
-- Portable between HSQLDB 2.7 and PostgreSQL 15: unquoted lower-case names, standard types.

CREATE TABLE mfa_enrolments (
    user_id          VARCHAR(256) NOT NULL,
    secret_encrypted VARCHAR(200) NOT NULL,
    enrolled_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    confirmed_at     TIMESTAMP WITH TIME ZONE,
    last_used_step   BIGINT DEFAULT 0 NOT NULL,
    failures         INTEGER DEFAULT 0 NOT NULL,
    locked_until     TIMESTAMP WITH TIME ZONE,
    CONSTRAINT mfa_enrolments_pk PRIMARY KEY (user_id)
);
