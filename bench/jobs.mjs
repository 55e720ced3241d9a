#!/usr/bin/env node
// The job queue (@sal/jobs on PostgreSQL), on a server of this machine started in a temp folder (Unix socket):
//   1. queue overhead per job: enqueue → reserved → result committed, one worker, no-op jobs;
//   2. sweep throughput with 1, 2, 4 worker processes, each job 250 ms of CPU;
//   3. a large cluster simulated: W no-op workers (each its own connection) against one PostgreSQL: jobs/s and
//      p50/p99 reservation latency (the fetch that returns a job), server connections.
// Usage: node bench/jobs.mjs [--short] [--workers 200] [--fsync-off]. Needs the built packages (npm run build).
import { fork } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { JobDatabase, parsePlan, runWorker, startLocalPostgres } from '@sal/jobs';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const short = args.includes('--short');
const self = fileURLToPath(import.meta.url);

const busy = (ms) => {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
};
const quantile = (a, q) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

// ---- child: worker slots of one process
if (process.argv[2] === '--child') {
  const { url, slots, kind, workMs, idleMs } = JSON.parse(process.argv[3]);
  const latencies = [];
  const dbs = [];
  for (let s = 0; s < slots; s++)
    dbs.push(await JobDatabase.open(url, { poolSize: 1, connectTimeoutMs: 30_000, supervise: s === 0, maintenanceIntervalSeconds: 10 }));
  for (const db of dbs) {
    const fetch = db.boss.fetch.bind(db.boss);
    db.boss.fetch = async (...a) => {
      const t = performance.now();
      const r = await fetch(...a);
      if (r.length) latencies.push(performance.now() - t);
      return r;
    };
  }
  process.send({ type: 'ready' });
  await new Promise((r) => process.once('message', r));
  const handlers = {
    [kind]: async () => {
      if (workMs) busy(workMs);
      return { result: null };
    },
  };
  const sums = await Promise.all(dbs.map((db) => runWorker(db, handlers, { pollIntervalMs: 1000, heartbeatMs: 10_000, exitWhenIdleMs: idleMs })));
  process.send({ type: 'done', latencies, done: sums.reduce((s, x) => s + x.done, 0) });
  await Promise.all(dbs.map((d) => d.close()));
  process.exit(0);
}

async function freshDb(server, name) {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return server.url.replace('/postgres?', `/${name}?`);
}

async function processes(url, n, slots, kind, workMs, idleMs) {
  const kids = Array.from({ length: n }, () => fork(self, ['--child', JSON.stringify({ url, slots, kind, workMs, idleMs })], { execArgv: [] }));
  await Promise.all(kids.map((k) => new Promise((r) => k.once('message', r))));
  const t0 = performance.now();
  kids.forEach((k) => k.send('go'));
  const outs = await Promise.all(kids.map((k) => new Promise((r) => k.on('message', (m) => m.type === 'done' && r(m)))));
  return { seconds: (performance.now() - t0) / 1000 - idleMs / 1000, latencies: outs.flatMap((o) => o.latencies), done: outs.reduce((s, o) => s + o.done, 0) };
}

const dir = mkdtempSync(join(tmpdir(), 'sal-bench-pg-'));
chmodSync(dir, 0o755);
const server = await startLocalPostgres(join(dir, 'pg'), { unsafeFast: args.includes('--fsync-off'), maxConnections: 600 });
const rows = [];
try {
  // 1. overhead per job, one in-process worker polling every 20 ms
  {
    const url = await freshDb(server, 'overhead');
    const db = await JobDatabase.open(url);
    const n = short ? 50 : 200;
    await db.submit(parsePlan({ name: 'o', grids: [{ kind: 'noop', axes: { i: Array.from({ length: n }, (_, i) => i) } }] }));
    const t0 = performance.now();
    await runWorker(db, { noop: async () => ({ result: null }) }, { pollIntervalMs: 20, exitWhenIdleMs: 0 });
    const ms = (performance.now() - t0) / n;
    const { rows: lat } = await db.pool.query(`SELECT extract(epoch FROM r.finished_on - b.created_on) * 1000 AS ms
      FROM sal_jobs.result r JOIN sal_jobs.job j USING (key) JOIN sal_boss.job b ON b.id = j.queue_id`);
    rows.push(['queue overhead per no-op job, 1 worker (reserve + run + commit result + complete)', `${ms.toFixed(2)} ms`]);
    const enqueue = performance.now();
    await db.submit(parsePlan({ name: 'o2', grids: [{ kind: 'noop', axes: { j: Array.from({ length: 1000 }, (_, i) => i) } }] }));
    rows.push(['enqueue, plan of 1000 jobs (one transaction)', `${((performance.now() - enqueue) / 1000).toFixed(2)} ms/job`]);
    void lat;
    await db.close();
  }
  // 2. throughput with 1, 2, 4 worker processes; jobs of 250 ms CPU
  const jobs = short ? 16 : 32;
  let base = 0;
  for (const w of [1, 2, 4]) {
    const url = await freshDb(server, `tp${w}`);
    const db = await JobDatabase.open(url);
    await db.submit(parsePlan({ name: 't', grids: [{ kind: 'cpu', axes: { i: Array.from({ length: jobs }, (_, i) => i) } }] }));
    await db.close();
    const r = await processes(url, w, 1, 'cpu', 250, 1500);
    const perS = r.done / r.seconds;
    if (w === 1) base = perS;
    rows.push([
      `sweep throughput, ${w} worker process${w > 1 ? 'es' : ''}, ${jobs} jobs of 250 ms CPU`,
      `${perS.toFixed(2)} jobs/s (${(perS / base).toFixed(2)}×; ideal ${(4 * Math.min(w, 2)).toFixed(0)}/s on 2 cores)`,
    ]);
  }
  // 3. a large cluster: W no-op workers, each with its own connection, in P processes
  const W = flag('--workers', 200);
  const P = 8;
  const n = short ? 2000 : 10_000;
  const url = await freshDb(server, 'cluster');
  const db = await JobDatabase.open(url);
  await db.submit(parsePlan({ name: 'c', grids: [{ kind: 'noop', axes: { i: Array.from({ length: n }, (_, i) => i) } }] }));
  await db.close();
  const r = await processes(url, P, Math.ceil(W / P), 'noop', 0, 3000);
  rows.push([`${P * Math.ceil(W / P)} concurrent no-op workers (${P} processes), ${n} jobs`, `${(r.done / r.seconds).toFixed(0)} jobs/s`]);
  rows.push([
    '  reservation latency (fetch that returns a job) p50 / p99',
    `${quantile(r.latencies, 0.5).toFixed(1)} / ${quantile(r.latencies, 0.99).toFixed(1)} ms`,
  ]);
} finally {
  await server.destroy();
}
console.log(`\n| job queue (PostgreSQL ${args.includes('--fsync-off') ? 'fsync off' : 'default settings'}, Unix socket) | value |\n|---|---|`);
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
