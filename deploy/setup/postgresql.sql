-- The demo's role and database, made once by the database server's superuser, with the
-- role's password in the environment rather than on the command line:
--   DB_PASSWORD=... psql -v role=djangobin -v database=djangobin -f deploy/setup/postgresql.sql
-- The role owns the database. PostgreSQL 15 and later let only a database's owner (and
-- superusers) create tables in its public schema.
\set ON_ERROR_STOP on
\getenv password DB_PASSWORD
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
