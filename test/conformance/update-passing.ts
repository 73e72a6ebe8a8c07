/** Adds the oracle cases that now pass to passing.txt (never removes any); prints failures with `-v`. */
import { writeFileSync } from 'node:fs';
import { loadCases, PASSING, readPassing, runCase } from './oracle.js';

const verbose = process.argv.includes('-v');
const filter = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const passing = readPassing();
let added = 0;
for (const c of loadCases()) {
  if (filter && !c.id.includes(filter) && !c.query.includes(filter)) continue;
  const r = await runCase(c);
  if (r.pass && !passing.has(r.id)) { passing.add(r.id); added++; }
  if (!r.pass && verbose) console.log(`FAIL ${r.family} ${r.id}: ${r.reason}`);
}
if (!filter) writeFileSync(PASSING, [...passing].sort().join('\n') + '\n');
console.log(`passing: ${passing.size} (+${added})`);
