// node-postgres (pg) through pgfleet's pooled endpoint at its default settings (DriverConformanceIntegrationTest).
//
// Usage: DATABASE_URL=URI node node_pg_vectors.mjs DATA_JSON. Named prepared statements ({name, text, values}) are parsed once per
// client and then only bound and executed: here by two clients taking turns, across many transactions, on whichever
// server connection PgBouncer gives each transaction. Prints one machine-checkable line per result; any failure ends
// it with the error and exit code 1.

// [connect]
import pg from 'pg';

// The poolerUri from GET /api/v1/databases/{id}/credentials (with sslrootcert=ca.crt), as is: pg reads sslmode and
// sslrootcert from it. From the environment: a password on the command line is visible to every user (ps).
const uri = process.env.DATABASE_URL;
const client = new pg.Client({ connectionString: uri });
await client.connect();
// [/connect]

import { readFileSync } from 'node:fs';

const TABLE = 'node_items';
const ROUNDS = 3;
const OPERATORS = { cosine: '<=>', l2: '<->' };

const { rows, queries, k } = JSON.parse(process.argv[2]);
const pkg = JSON.parse(readFileSync(new URL('./node_modules/pg/package.json', import.meta.url), 'utf8'));
console.log('driver node-postgres', pkg.version);

const ssl = await client.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
console.log(`ssl server=${ssl.rows[0].ssl} client=${client.connection.stream.encrypted === true}`);

await client.query('begin');
await client.query(`drop table if exists ${TABLE}`);
await client.query(`create table ${TABLE} (id int primary key, embedding vector(${rows[0][1].split(',').length}))`);
for (const [id, embedding] of rows) {
  await client.query({ name: 'insert-item', text: `insert into ${TABLE} (id, embedding) values ($1, $2)`, values: [id, embedding] });
}
await client.query(`create index ${TABLE}_cosine on ${TABLE} using hnsw (embedding vector_cosine_ops)`);
await client.query(`create index ${TABLE}_l2 on ${TABLE} using hnsw (embedding vector_l2_ops)`);
console.log('rows', (await client.query(`select count(*)::int as n from ${TABLE}`)).rows[0].n);
await client.query('commit');

// [query]
// The ids of the k rows nearest to query, in one transaction that answers from the HNSW index. The statement's name
// makes pg prepare it once per client; PgBouncer prepares it on each server connection that runs it.
async function nearest(client, metric, query, k) {
  await client.query('begin');
  try {
    // SET LOCAL lasts this transaction only, which is what transaction pooling keeps.
    await client.query('set local enable_seqscan = off');
    const result = await client.query({
      name: `nearest-${metric}`,
      text: `select id from node_items order by embedding ${OPERATORS[metric]} $1 limit $2`,
      values: [query, k],
    });
    const prepared = await serverPrepared(client);
    await client.query('commit');
    return { ids: result.rows.map((r) => r.id), prepared };
  } catch (e) {
    await client.query('rollback');
    throw e;
  }
}
// [/query]

// Whether the server connection running this transaction holds the nearest-neighbour query as a prepared statement.
async function serverPrepared(client) {
  const r = await client.query(
    'select count(*) > 0 as p from pg_prepared_statements where statement like $1 and statement not like $2',
    [`%from ${TABLE} order by embedding%`, '%pg_prepared_statements%']);
  return r.rows[0].p;
}

for (const [metric, operator] of Object.entries(OPERATORS)) {
  await client.query('begin');
  await client.query('set local enable_seqscan = off');
  const plan = await client.query(`explain (costs off) select id from ${TABLE} order by embedding ${operator} $1 limit $2`, [queries[0], k]);
  await client.query('commit');
  const found = plan.rows.map((r) => r['QUERY PLAN']).join('\n').match(/Index Scan using (\S+)/);
  console.log('plan', metric, found ? found[1] : 'none');
}

// A second client: both use the same statement names, in turns, so each server connection sees both.
const other = new pg.Client({ connectionString: uri });
await other.connect();
let executions = 0;
let preparedCount = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const metric of Object.keys(OPERATORS)) {
    for (const [q, query] of queries.entries()) {
      const { ids, prepared } = await nearest((executions % 2 === 0) ? client : other, metric, query, k);
      executions++;
      preparedCount += prepared ? 1 : 0;
      console.log('knn', metric, q, ids.join(','));
    }
  }
}
console.log('server-prepared', preparedCount, 'of', executions);
await other.end();
await client.end();
console.log('ok');
