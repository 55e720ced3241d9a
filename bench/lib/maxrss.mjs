// Preloaded into a child (`node --import bench/lib/maxrss.mjs …`): at exit, writes the process's peak resident set
// size in bytes (getrusage's ru_maxrss) to the file named by SAL_BENCH_MAXRSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.SAL_BENCH_MAXRSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
