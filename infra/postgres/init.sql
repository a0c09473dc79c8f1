-- Runs once, as the superuser, when the postgres container initialises an empty data volume
-- (mounted into /docker-entrypoint-initdb.d by docker-compose.yml). Passwords come from the
-- container's environment (psql 15 \getenv), never from this file.
\set ON_ERROR_STOP on
\getenv ledger_password LEDGER_DB_PASSWORD
\getenv reader_password READER_DB_PASSWORD

-- truecost: the role the workers connect as; it owns the ledger and creates its tables.
CREATE ROLE truecost LOGIN PASSWORD :'ledger_password';
-- truecost_reader: analysts' SQL access; it can read the ledger and change nothing.
CREATE ROLE truecost_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE truecost_reader SET default_transaction_read_only = on;

CREATE DATABASE truecost OWNER truecost;
REVOKE ALL ON DATABASE truecost FROM PUBLIC;
GRANT CONNECT ON DATABASE truecost TO truecost_reader;

\connect truecost

-- The workers create the ledger's tables and views in schema truecost (LedgerOptions.Schema) when
-- they first start, after this script. Creating the schema now, owned by the role that will create
-- those objects, lets default privileges cover every table and view that appears later.
CREATE SCHEMA truecost AUTHORIZATION truecost;
REVOKE ALL ON SCHEMA truecost FROM PUBLIC;
GRANT USAGE ON SCHEMA truecost TO truecost_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE truecost IN SCHEMA truecost GRANT SELECT ON TABLES TO truecost_reader;
