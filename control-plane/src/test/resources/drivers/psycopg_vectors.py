"""psycopg 3 through pgfleet's pooled endpoint at its default settings (DriverConformanceIntegrationTest).

Usage: DATABASE_URL=URI python3 psycopg_vectors.py DATA_JSON. Loads DATA's rows with COPY ... FROM STDIN and executemany, runs
the nearest-neighbour queries across many transactions (past prepare_threshold, so psycopg prepares them on the
server), and prints one machine-checkable line per result. Any failure ends it with a traceback and exit code 1.
"""
import json
import os
import re
import sys

# [connect]
import psycopg

# The poolerUri from GET /api/v1/databases/{id}/credentials (with sslrootcert=ca.crt), from the environment: a
# password on the command line is visible to every user of the machine (ps).
uri = os.environ["DATABASE_URL"]
conn = psycopg.connect(uri)  # default settings: prepare_threshold 5, no option turned off
# [/connect]

TABLE = "psycopg_items"
ROUNDS = 3
OPERATORS = {"cosine": "<=>", "l2": "<->"}

data = json.loads(sys.argv[1])
rows, queries, k = data["rows"], data["queries"], data["k"]
print("driver psycopg", psycopg.__version__)

with conn.transaction():
    ssl_server = conn.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()").fetchone()[0]
print(f"ssl server={str(ssl_server).lower()} client={str(conn.info.pgconn.ssl_in_use).lower()}")

with conn.transaction():
    conn.execute(f"drop table if exists {TABLE}")
    conn.execute(f"create table {TABLE} (id int primary key, embedding vector({len(rows[0][1].split(','))}))")
half = len(rows) // 2
with conn.transaction():
    with conn.cursor() as cur:
        with cur.copy(f"copy {TABLE} (id, embedding) from stdin") as copy:
            for row_id, embedding in rows[:half]:
                copy.write_row((row_id, embedding))
with conn.transaction():
    with conn.cursor() as cur:
        cur.executemany(f"insert into {TABLE} (id, embedding) values (%s, %s::vector)", rows[half:])
with conn.transaction():
    conn.execute(f"create index {TABLE}_cosine on {TABLE} using hnsw (embedding vector_cosine_ops)")
    conn.execute(f"create index {TABLE}_l2 on {TABLE} using hnsw (embedding vector_l2_ops)")
    print("rows", conn.execute(f"select count(*) from {TABLE}").fetchone()[0])

# [query]
def nearest(conn, metric, query, k):
    """The ids of the k rows nearest to query, in one transaction that answers from the HNSW index."""
    with conn.transaction():
        # SET LOCAL lasts this transaction only, which is what transaction pooling keeps.
        conn.execute("set local enable_seqscan = off")
        cur = conn.execute(
            f"select id from psycopg_items order by embedding {OPERATORS[metric]} %s::vector limit %s", (query, k))
        ids = [row[0] for row in cur]
        prepared = server_prepared(conn)
    return ids, prepared
# [/query]


def server_prepared(conn):
    """Whether the server connection running this transaction holds the nearest-neighbour query as a prepared
    statement: PgBouncer prepared it there because psycopg sent it as a named (protocol-level) statement."""
    return conn.execute(
        "select count(*) > 0 from pg_prepared_statements where statement like %s and statement not like %s",
        (f"%from {TABLE} order by embedding%", "%pg_prepared_statements%")).fetchone()[0]


for metric, operator in OPERATORS.items():
    with conn.transaction():
        conn.execute("set local enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            f"explain (costs off) select id from {TABLE} order by embedding {operator} %s::vector limit %s",
            (queries[0], k)))
    found = re.search(r"Index Scan using (\S+)", plan)
    print("plan", metric, found.group(1) if found else "none")

executions = prepared_count = 0
for _ in range(ROUNDS):
    for metric in OPERATORS:
        for q, query in enumerate(queries):
            ids, prepared = nearest(conn, metric, query, k)
            executions += 1
            prepared_count += prepared
            print("knn", metric, q, ",".join(map(str, ids)))
print("server-prepared", prepared_count, "of", executions)
conn.close()
print("ok")
