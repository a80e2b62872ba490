// A recording proxy in a process of its own (as in the editor, where the client is another process):
//   node --import tsx bench/_proxy.ts UPSTREAM_URL RECORD_FILE  → prints "URL TOKEN", serves until stdin closes.
import { Recorder } from '../src/core/serving/recorder';
import { startProxy } from '../src/core/serving/proxy';

void (async () => {
  const proxy = await startProxy({ champion: process.argv[2], recorder: new Recorder(process.argv[3]) });
  process.stdout.write(`${proxy.url} ${proxy.token}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void proxy.close().then(() => process.exit(0)));
})();
