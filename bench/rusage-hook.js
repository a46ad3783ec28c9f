// Fallback when /usr/bin/time is missing: preloaded into every Node process of
// a measured command (NODE_OPTIONS=--require), it appends that process's CPU
// time (s) and peak RSS (bytes) to BENCH_RUSAGE_FILE as one JSON line.
'use strict';
const fs = require('fs');
process.on('exit', () => {
  const u = process.resourceUsage();
  const line = JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rss: u.maxRSS * 1024 });
  fs.appendFileSync(process.env.BENCH_RUSAGE_FILE, `${line}\n`);
});
