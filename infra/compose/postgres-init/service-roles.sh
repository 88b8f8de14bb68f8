#!/usr/bin/env bash
# Runs once, on the first start of an empty volume (the image's docker-entrypoint-initdb.d): for each role in
# MEDSHARE_DB_ROLES a login role with the password in DB_PASSWORD_<ROLE> that owns a database of its own name and
# nothing else: NOSUPERUSER NOCREATEDB NOCREATEROLE. The server's superuser (POSTGRES_USER) stays the operator's:
# no service's URL names it (infra/check-packaging.js).
set -euo pipefail
for role in ${MEDSHARE_DB_ROLES:?MEDSHARE_DB_ROLES is required}; do
  password_variable="DB_PASSWORD_${role^^}"
  password="${!password_variable:?$password_variable is required}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v role="$role" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE :"role" OWNER :"role";
SQL
done
