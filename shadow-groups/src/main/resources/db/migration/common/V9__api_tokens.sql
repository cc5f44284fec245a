-- API tokens for non-human identities (CI jobs, scripts). Only a SHA-256 hash of each token is
-- kept; the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    token_id     UUID NOT NULL,
    token_hash   VARCHAR(64) NOT NULL,
    subject      VARCHAR(256) NOT NULL,
    description  VARCHAR(500) NOT NULL,
    scope_groups VARCHAR(4000) NOT NULL,
    created_by   VARCHAR(256) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at   TIMESTAMP WITH TIME ZONE,
    revoked_by   VARCHAR(256),
    last_used_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT api_tokens_pk PRIMARY KEY (token_id),
    CONSTRAINT api_tokens_hash_uq UNIQUE (token_hash)
);
