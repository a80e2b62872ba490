// The mocha runner the extension host loads (@vscode/test-electron's runner shape: export run()).
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.MOCHA_GREP) mocha.grep(process.env.MOCHA_GREP);
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  // Markers separate our output from the workbench's own log lines on the same channel.
  console.log('@@EXT-TESTS-BEGIN@@');
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        console.log(`${runner.stats?.passes ?? 0} passed, ${failures} failed, ${runner.stats?.pending ?? 0} skipped`);
        console.log('@@EXT-TESTS-END@@');
        if (failures > 0) reject(new Error(`${failures} tests failed`));
        else resolve();
      });
    } catch (e) {
      console.error(e);
      console.log('@@EXT-TESTS-END@@');
      reject(e);
    }
  });
}
