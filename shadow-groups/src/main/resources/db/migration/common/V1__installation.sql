-- V1: the foundation. One row that identifies this installation; the service creates it on its
-- first start (InstallationStore) and never changes it.
-- Portable between HSQLDB 2.7 and PostgreSQL 15: unquoted lower-case names, standard types.

CREATE TABLE installation (
    singleton       SMALLINT DEFAULT 1 NOT NULL,
    installation_id UUID NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT installation_pk PRIMARY KEY (singleton),
    CONSTRAINT installation_one_row CHECK (singleton = 1)
);
