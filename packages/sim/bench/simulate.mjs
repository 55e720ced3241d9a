// Time simulateDataset (run `npx tsc -p tsconfig.build.json` in packages/types and packages/sim first).
// Prints a markdown table of wall and process-CPU medians; CPU time is the fairer figure on a shared machine.
import { simulateDataset } from '@sal/sim';

const cases = [
  ['demo: 1,200 × 96×160, 4 × 20 neurons', { height: 96, width: 160, nTrainImages: 1150, nTestImages: 50, neuronsPerSession: 20 }],
  ['full: 5,000 × 236×420, 4 × 25 neurons', { nTrainImages: 4950, nTestImages: 50 }],
];
const runs = Number(process.env.RUNS ?? 3);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log('| case | wall s | CPU s |\n|---|---|---|');
for (const [name, opts] of cases) {
  const wall = [], cpu = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now(), c = process.cpuUsage();
    simulateDataset({ ...opts, seed: r });
    wall.push((performance.now() - t) / 1000);
    cpu.push(process.cpuUsage(c).user / 1e6);
  }
  console.log(`| ${name} | ${median(wall).toFixed(2)} | ${median(cpu).toFixed(2)} |`);
}
