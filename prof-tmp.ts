import { PipelineRepo, reproduce } from './src/core/pipelines';
const dir = process.argv[2];
(async () => {
  await reproduce(PipelineRepo.open(dir));
  const { Session } = await import('node:inspector/promises');
  const s = new Session(); s.connect();
  await s.post('Profiler.enable'); await s.post('Profiler.start');
  for (let i = 0; i < 20; i++) await reproduce(PipelineRepo.open(dir));
  const { profile } = await s.post('Profiler.stop');
  const self = new Map<string, number>(); const idx = new Map(profile.nodes.map((n: any) => [n.id, n]));
  profile.samples!.forEach((id: number, i: number) => { const n: any = idx.get(id); const k = n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber; self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas![i] ?? 0)); });
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, t]) => (t / 1000).toFixed(1) + 'ms ' + k).join('\n'));
})();
