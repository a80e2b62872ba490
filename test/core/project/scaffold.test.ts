import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mlprojectScaffold, parseProject } from '../../../src/core/project';
import { tempDir } from '../../helpers/tmp';

test("the starter MLproject runs the folder's training script and parses without problems", () => {
  const dir = path.join(tempDir(), 'my project');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'prepare.py'), '');
  fs.writeFileSync(path.join(dir, 'train_model.py'), '');
  const text = mlprojectScaffold(dir);
  const parsed = parseProject(text, dir);
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.project?.name, 'my-project');
  const main = parsed.project!.entryPoints.find((e) => e.name === 'main')!;
  assert.equal(main.command, 'python train_model.py --alpha {alpha}');
  assert.deepEqual(
    main.parameters.map((p) => p.name),
    ['alpha'],
  );
});

test('a folder without scripts gets a train.py command to fill in', () => {
  assert.match(mlprojectScaffold(tempDir()), /command: "python train\.py --alpha \{alpha\}"/);
});
