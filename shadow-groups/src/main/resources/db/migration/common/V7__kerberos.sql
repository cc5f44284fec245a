-- V7: the bastion KDC's principals and their long-term keys (module kerberos, PrincipalStore).
-- A principal is a bastion account (kind USER, user_id set), a registered service (SERVICE) or the
-- realm's ticket-granting service krbtgt/REALM (KRBTGT). kvno is the current key version; keys of
-- older versions are kept for a while so that tickets issued under them can still be read.
-- Each key is encrypted at rest with the master key (AES-256-GCM, base64 of nonce and ciphertext,
-- principal name, kvno and enctype as associated data); salt is the string-to-key salt of a
-- password-derived key (NULL for random keys).
-- Portable between HSQLDB 2.7 and PostgreSQL 15: unquoted lower-case names, standard types.

CREATE TABLE kerberos_principals (
    name       VARCHAR(512) NOT NULL,
    kind       VARCHAR(16) NOT NULL,
    user_id    VARCHAR(256),
    kvno       INTEGER NOT NULL,
    disabled   BOOLEAN DEFAULT FALSE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT kerberos_principals_pk PRIMARY KEY (name),
    CONSTRAINT kerberos_principals_kind_ck CHECK (kind IN ('USER', 'SERVICE', 'KRBTGT')),
    CONSTRAINT kerberos_principals_kvno_ck CHECK (kvno >= 1)
);

CREATE TABLE kerberos_keys (
    principal     VARCHAR(512) NOT NULL,
    kvno          INTEGER NOT NULL,
    enctype       INTEGER NOT NULL,
    salt          VARCHAR(1024),
    key_encrypted VARCHAR(200) NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT kerberos_keys_pk PRIMARY KEY (principal, kvno, enctype),
    CONSTRAINT kerberos_keys_principal_fk FOREIGN KEY (principal)
        REFERENCES kerberos_principals (name) ON DELETE CASCADE
);
