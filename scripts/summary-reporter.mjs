// A node:test reporter that prints only the closing "N passed, N failed" line.
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      failed++;
    }
  }
  const stage = process.env.MLOPS_TEST_STAGE ?? 'tests';
  yield `\n${stage}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
