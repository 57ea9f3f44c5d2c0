#!/usr/bin/env python3
"""Runs a plan of SQL steps in one chDB session (ClickHouse embedded in-process: a current release).

Used by packages/clickhouse/test/current-clickhouse.int.test.ts; the interpreter comes from
infra/bin/chdb-env. The plan is JSON on stdin; the result is JSON on stdout:

  stdin:  {"config": [["setting", "value"], ...],          # optional: clickhouse-local start-up
                                                            # options (e.g. a config-file)
           "steps": [{"id": "...", "sql": "...",
                      "format": "JSONEachRow",              # optional; result rows parsed from it
                      "params": {"name": "value"}}]}        # optional: {name:Type} query parameters
  stdout: {"engine_version": "26.9.2.1", "chdb_version": "26.9.0",
           "results": [{"id": "...", "ok": true, "rows": [...], "seconds": 0.01}
                     | {"id": "...", "ok": false, "error": "Code: 47. DB::Exception: ..."}]}

Every step runs, even after a failed one, so one run reports every incompatibility. The database
lives in a temporary directory that is removed at the end. Inserts carry their data inline:
`INSERT INTO db.t FORMAT JSONEachRow` followed by a newline and the rows, byte for byte what the
loaders send over HTTP.
"""

import json
import shutil
import sys
import tempfile
import time


def main() -> int:
    plan = json.load(sys.stdin)
    import chdb
    from chdb import session as chs

    workdir = tempfile.mkdtemp(prefix="opa-chdb-")
    conn_str = workdir
    options = plan.get("config") or []
    if options:
        from urllib.parse import quote

        conn_str += "?" + "&".join(f"{quote(k)}={quote(str(v))}" for k, v in options)
    results = []
    try:
        sess = chs.Session(conn_str)
        try:
            for step in plan["steps"]:
                results.append(run_step(sess, step))
        finally:
            sess.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    json.dump(
        {"engine_version": chdb.engine_version, "chdb_version": chdb.__version__, "results": results},
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


def run_step(sess, step):
    fmt = step.get("format")
    started = time.monotonic()
    try:
        # Statements without a result (DDL, INSERT) still need a format argument; CSV yields nothing.
        res = sess.query(step["sql"], fmt or "CSV", params=step.get("params") or None)
        out = res.bytes().decode("utf-8") if res is not None else ""
    except Exception as err:  # chDB raises RuntimeError / ChdbError with the server's message
        return {"id": step["id"], "ok": False, "error": str(err), "seconds": time.monotonic() - started}
    result = {"id": step["id"], "ok": True, "seconds": time.monotonic() - started}
    if fmt == "JSONEachRow":
        result["rows"] = [json.loads(line) for line in out.splitlines() if line.strip()]
    else:
        result["output"] = out
    return result


if __name__ == "__main__":
    sys.exit(main())
