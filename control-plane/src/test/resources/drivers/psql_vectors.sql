-- psql through pgfleet's pooled endpoint (DriverConformanceIntegrationTest).
--
-- Usage: psql "URI" -X -q -A -t -v ON_ERROR_STOP=1 -v data="DATA_JSON" -f psql_vectors.sql
-- psql speaks the simple query protocol: nothing to prepare. Every statement outside begin/commit is a transaction
-- of its own, which is all a transaction-mode pooler keeps. Prints one machine-checkable line per result.
select 'driver psql ' || :'VERSION_NAME';
select 'ssl server=' || ssl from pg_stat_ssl where pid = pg_backend_pid();
\conninfo

select :'data'::jsonb ->> 'k' as k, :'data'::jsonb -> 'queries' ->> 0 as q0 \gset

-- [query]
begin;
drop table if exists psql_items;
select 'create table psql_items (id int primary key, embedding vector('
       || vector_dims((:'data'::jsonb -> 'rows' -> 0 ->> 1)::vector) || '))' \gexec
insert into psql_items (id, embedding)
  select (r ->> 0)::int, (r ->> 1)::vector from jsonb_array_elements(:'data'::jsonb -> 'rows') r;
create index psql_items_cosine on psql_items using hnsw (embedding vector_cosine_ops);
create index psql_items_l2 on psql_items using hnsw (embedding vector_l2_ops);
commit;

begin;
-- SET LOCAL lasts this transaction only, which is what transaction pooling keeps.
set local enable_seqscan = off;
select 'knn cosine ' || (q.n - 1) || ' ' || (select string_agg(id::text, ',' order by d) from
         (select id, embedding <=> q.v::vector as d from psql_items order by embedding <=> q.v::vector limit :k) nn)
  from jsonb_array_elements_text(:'data'::jsonb -> 'queries') with ordinality as q (v, n) order by q.n;
select 'knn l2 ' || (q.n - 1) || ' ' || (select string_agg(id::text, ',' order by d) from
         (select id, embedding <-> q.v::vector as d from psql_items order by embedding <-> q.v::vector limit :k) nn)
  from jsonb_array_elements_text(:'data'::jsonb -> 'queries') with ordinality as q (v, n) order by q.n;
commit;
-- [/query]

select 'rows ' || count(*) from psql_items;
begin;
set local enable_seqscan = off;
explain (costs off) select id from psql_items order by embedding <=> :'q0' limit :k;
explain (costs off) select id from psql_items order by embedding <-> :'q0' limit :k;
commit;
select 'ok';
