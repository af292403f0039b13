// CPU tasks: the same small function (sum 1..1000) on raw Piscina (pool of 2, all submitted at once)
// and on a new Worker per task (2 at a time).
import { Piscina } from 'piscina';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { args as a, report } from './common.mjs';

const file = fileURLToPath(new URL('./sum-task.cjs', import.meta.url));
if (a.mode === 'piscina') {
  const pool = new Piscina({ filename: file, minThreads: 2, maxThreads: 2, idleTimeout: Infinity });
  await Promise.all(Array.from({ length: 50 }, () => pool.run({ n: 1000 }))); // warm-up
  const start = performance.now();
  await Promise.all(Array.from({ length: a.n }, () => pool.run({ n: 1000 })));
  const ms = performance.now() - start;
  report({ wall_ms: Math.round(ms), us_per_task: Math.round((ms * 1000) / a.n) });
  await pool.destroy();
} else {
  const once = () => new Promise((resolve, reject) => {
    const w = new Worker(`const { parentPort } = require('worker_threads'); const f = require(${JSON.stringify(file)}); parentPort.postMessage(f({ n: 1000 }));`, { eval: true });
    w.once('message', () => void w.terminate().then(resolve));
    w.once('error', reject);
  });
  const start = performance.now();
  let next = 0;
  await Promise.all([0, 1].map(async () => { while (next++ < a.n) await once(); }));
  const ms = performance.now() - start;
  report({ wall_ms: Math.round(ms), us_per_task: Math.round((ms * 1000) / a.n) });
}
process.exit(0);
