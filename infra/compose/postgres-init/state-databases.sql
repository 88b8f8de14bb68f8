-- One database per service on the state server (run once, on the first start of an empty volume).
CREATE DATABASE ingestion;
CREATE DATABASE encryption;
CREATE DATABASE access_control;
CREATE DATABASE ledger;
CREATE DATABASE governance;
