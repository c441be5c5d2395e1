-- Dashboard sign-in: users get an (Argon2id) password hash, and a user name is unique across tenants
-- because it is what a person types on the login page. Until now every user was named like its tenant,
-- and tenant names are unique, so existing rows already satisfy the new index.
alter table users add column password_hash varchar(255);
create unique index users_name_unique on users (name);

-- Tokens a user creates from the dashboard carry a label so that they can be told apart (and revoked).
alter table api_tokens add column label varchar(63);
