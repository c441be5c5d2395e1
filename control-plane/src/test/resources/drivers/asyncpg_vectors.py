"""asyncpg through pgfleet's pooled endpoint at its default settings (DriverConformanceIntegrationTest).

Usage: DATABASE_URL=URI python3 asyncpg_vectors.py DATA_JSON. asyncpg prepares every statement as a named protocol-level
statement and keeps it in its statement cache: the nearest-neighbour queries run many times across transactions on
one connection, then concurrently on a pool's connections. Prints one machine-checkable line per result; any failure
ends it with a traceback and exit code 1.
"""
import asyncio
import json
import os
import re
import sys

# [connect]
import asyncpg


async def init(conn):
    # pgvector's type as text: '[1,2,3]' in, the same out.
    await conn.set_type_codec("vector", schema="public", encoder=str, decoder=str, format="text")


async def connect(uri):
    # The poolerUri from GET /api/v1/databases/{id}/credentials (with sslrootcert=ca.crt); default settings:
    # the statement cache (100 statements) stays on.
    conn = await asyncpg.connect(uri)
    await init(conn)
    return conn


async def pool(uri):
    return await asyncpg.create_pool(uri, min_size=4, max_size=4, init=init)
# [/connect]

TABLE = "asyncpg_items"
ROUNDS = 3
OPERATORS = {"cosine": "<=>", "l2": "<->"}


# [query]
async def nearest(conn, metric, query, k):
    """The ids of the k rows nearest to query, in one transaction that answers from the HNSW index."""
    async with conn.transaction():
        # SET LOCAL lasts this transaction only, which is what transaction pooling keeps.
        await conn.execute("set local enable_seqscan = off")
        rows = await conn.fetch(
            f"select id from asyncpg_items order by embedding {OPERATORS[metric]} $1 limit $2", query, k)
        prepared = await server_prepared(conn)
    return [r["id"] for r in rows], prepared
# [/query]


async def server_prepared(conn):
    """Whether the server connection running this transaction holds the nearest-neighbour query as a prepared
    statement (PgBouncer prepared it there for asyncpg's named statement)."""
    return await conn.fetchval(
        "select count(*) > 0 from pg_prepared_statements where statement like $1 and statement not like $2",
        f"%from {TABLE} order by embedding%", "%pg_prepared_statements%")


async def main():
    uri, data = os.environ["DATABASE_URL"], json.loads(sys.argv[1])
    rows, queries, k = data["rows"], data["queries"], data["k"]
    print("driver asyncpg", asyncpg.__version__)
    conn = await connect(uri)
    async with conn.transaction():
        ssl_server = await conn.fetchval("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
    # asyncpg has no public accessor for the client leg's encryption.
    print(f"ssl server={str(ssl_server).lower()} client=unknown")

    async with conn.transaction():
        await conn.execute(f"drop table if exists {TABLE}")
        await conn.execute(f"create table {TABLE} (id int primary key, embedding vector({len(rows[0][1].split(','))}))")
        await conn.executemany(f"insert into {TABLE} (id, embedding) values ($1, $2)", [tuple(r) for r in rows])
        await conn.execute(f"create index {TABLE}_cosine on {TABLE} using hnsw (embedding vector_cosine_ops)")
        await conn.execute(f"create index {TABLE}_l2 on {TABLE} using hnsw (embedding vector_l2_ops)")
        print("rows", await conn.fetchval(f"select count(*) from {TABLE}"))

    for metric, operator in OPERATORS.items():
        async with conn.transaction():
            await conn.execute("set local enable_seqscan = off")
            plan = "\n".join(r[0] for r in await conn.fetch(
                f"explain (costs off) select id from {TABLE} order by embedding {operator} $1 limit $2", queries[0], k))
        found = re.search(r"Index Scan using (\S+)", plan)
        print("plan", metric, found.group(1) if found else "none")

    executions = prepared_count = 0
    for _ in range(ROUNDS):
        for metric in OPERATORS:
            for q, query in enumerate(queries):
                ids, prepared = await nearest(conn, metric, query, k)
                executions += 1
                prepared_count += prepared
                print("knn", metric, q, ",".join(map(str, ids)))
    await conn.close()

    # The same queries from a pool of 4 connections, all at once: each task's transaction runs on whichever server
    # connection PgBouncer gives it, where PgBouncer prepares the statement if it has not yet.
    async with await pool(uri) as p:
        async def task(metric, q, query):
            async with p.acquire() as c:
                return metric, q, await nearest(c, metric, query, k)
        results = await asyncio.gather(*[task(m, q, query) for _ in range(ROUNDS) for m in OPERATORS
                                         for q, query in enumerate(queries)])
    for metric, q, (ids, prepared) in results:
        executions += 1
        prepared_count += prepared
        print("knn", metric, q, ",".join(map(str, ids)))
    print("pool-results", len(results))
    print("server-prepared", prepared_count, "of", executions)
    print("ok")


asyncio.run(main())
