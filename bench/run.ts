// Runs every bench/<area>.ts (each exports run()) or the ones named on the command line.
import fs from 'node:fs';
import path from 'node:path';

(async () => {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .filter((f) => !only.length || only.some((o) => f.startsWith(o)))
    .sort();
  for (const f of files) {
    console.log(`\n=== bench/${f} ===`);
    const mod = await import(path.join(__dirname, f));
    await mod.run();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
