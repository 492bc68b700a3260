-- The demo's role and database, made once by the database server's superuser:
--   psql -v role=djangobin -v database=djangobin -v password="$PASSWORD" -f deploy/setup/postgresql.sql
-- The role owns the database, so it may create tables in its public schema, which
-- PostgreSQL 15 and later allow only to the database's owner.
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
