import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseProject, type Diagnostic } from '../../../src/core/project';
import { tempDir } from '../../helpers/tmp';
import { DOCKER_WITH_UNKNOWN_KEYS, ELASTICNET, EXAMPLE_PROJECT, MULTISTEP } from './fixtures';

/** The text a diagnostic's range covers (single-line ranges). */
function covered(text: string, d: Diagnostic): string {
  const line = text.split('\n')[d.range.start.line];
  assert.equal(d.range.start.line, d.range.end.line, 'single-line range expected');
  return line.slice(d.range.start.character, d.range.end.character);
}

function parse(text: string, files: Record<string, string> = {}) {
  const dir = tempDir();
  for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), b);
  return { dir, ...parseProject(text, dir, 'MLproject') };
}

test('structure of MLflow fixtures: entry points, parameters, defaults, environments', () => {
  const { project, diagnostics, dir } = parse(EXAMPLE_PROJECT, { 'conda.yaml': 'name: e\n' });
  assert.deepEqual(diagnostics, []);
  assert.ok(project);
  assert.equal(project.name, path.basename(dir));
  assert.equal(project.declaredName, undefined);
  assert.deepEqual(project.env, { kind: 'conda_env', file: path.join(dir, 'conda.yaml') });
  assert.deepEqual(
    project.entryPoints.map((e) => e.name),
    ['main', 'greeter', 'line_count', 'download_uri', 'sleep', 'test_tracking', 'check_conda_env', 'test_artifact_path'],
  );
  const greeter = project.entryPoints[1];
  assert.equal(greeter.command, 'python greeter.py {greeting} {name}');
  assert.deepEqual(
    greeter.parameters.map((p) => [p.name, p.type, p.defaultText, p.required]),
    [
      ['greeting', 'string', 'hi', false],
      ['name', 'string', undefined, true],
    ],
  );
  assert.deepEqual(greeter.range.start, { line: 5, character: 2 });
  assert.equal(project.entryPoints[5].parameters[0].type, 'bool');
  assert.equal(project.entryPoints[7].parameters[0].required, true);

  const m = parse(MULTISTEP, { 'conda.yaml': '' });
  assert.deepEqual(m.diagnostics, []);
  assert.equal(m.project?.name, 'multistep_example');
  assert.equal(m.project?.entryPoints[0].parameters.length, 0);
  assert.equal(
    m.project?.entryPoints.find((e) => e.name === 'main')?.command,
    'python main.py --als-max-iter {als_max_iter} --keras-hidden-units {keras_hidden_units} --max-row-limit {max_row_limit}',
  );

  const e = parse(ELASTICNET, { 'python_env.yaml': 'python: "3.9.16"\n' });
  assert.deepEqual(e.project?.env, { kind: 'python_env', file: path.join(e.dir, 'python_env.yaml') });
});

test('unknown keys are ignored (examples/docker at 06b19f2)', () => {
  const { project, diagnostics } = parse(DOCKER_WITH_UNKNOWN_KEYS);
  assert.deepEqual(diagnostics, []);
  assert.equal(project?.env.docker?.image, 'mlflow-docker-example');
  assert.deepEqual(project?.errors, []);
});

test('environment fallbacks: python_env.yaml, then conda.yaml, then local', () => {
  const text = `entry_points:\n  main:\n    command: "x"\n`;
  assert.equal(parse(text, { 'python_env.yaml': '', 'conda.yaml': '' }).project?.env.kind, 'python_env');
  assert.equal(parse(text, { 'conda.yaml': '' }).project?.env.kind, 'conda_env');
  assert.deepEqual(parse(text).project?.env, { kind: 'local' });
  // A falsy env value falls through, as in MLflow (`if python_env:`).
  assert.deepEqual(parse(`python_env:\n` + text).project?.env, { kind: 'local' });
});

test('diagnostics: YAML syntax error on the right line', () => {
  const text = `name: x\nentry_points:\n  main:\n    command: "echo\n  other: [\n`;
  const { project, diagnostics } = parse(text);
  assert.equal(project, undefined);
  assert.ok(diagnostics.length > 0);
  assert.equal(diagnostics[0].severity, 'error');
  assert.match(diagnostics[0].message, /^YAML syntax error/);
  assert.ok(diagnostics[0].range.start.line >= 3, JSON.stringify(diagnostics[0].range));
});

test('diagnostics: unknown types point at the type, in short and long form', () => {
  const text = [
    'entry_points:',
    '  main:',
    '    parameters:',
    '      a: flaot',
    '      b: {type: integer, default: 3}',
    '      c: {default: 3}',
    '    command: "run {a} {b} {c}"',
    '',
  ].join('\n');
  const { project, diagnostics } = parse(text);
  assert.equal(diagnostics.length, 2);
  assert.deepEqual(diagnostics[0].range, { start: { line: 3, character: 9 }, end: { line: 3, character: 14 } });
  assert.equal(covered(text, diagnostics[0]), 'flaot');
  assert.match(diagnostics[0].message, /Unknown type 'flaot' for parameter a of entry point main/);
  assert.equal(covered(text, diagnostics[1]), 'integer');
  assert.equal(project?.entryPoints[0].parameters[2].type, 'string');
  assert.equal(project?.entryPoints[0].errors.length, 2);
});

test('diagnostics: a placeholder naming an undeclared parameter is underlined itself, even in folded commands', () => {
  const text = [
    'entry_points:',
    '  main:',
    '    parameters:',
    '      alpha: float',
    '      runs: int',
    '    command: "python train.py {alpha}',
    '              --runs {runz} --again {alpha}"',
    '  other:',
    "    command: 'echo {x}'",
    '',
  ].join('\n');
  const { diagnostics } = parse(text);
  assert.equal(diagnostics.length, 2);
  assert.equal(diagnostics[0].code, 'template');
  assert.deepEqual(diagnostics[0].range, { start: { line: 6, character: 21 }, end: { line: 6, character: 27 } });
  assert.equal(covered(text, diagnostics[0]), '{runz}');
  assert.match(diagnostics[0].message, /Placeholder \{runz\} in the command of entry point main names no declared parameter \(declared: alpha, runs\)/);
  assert.equal(covered(text, diagnostics[1]), '{x}');
  assert.match(diagnostics[1].message, /declares no parameters/);
});

test('diagnostics: bad braces, positional placeholders, format specs', () => {
  const text = [
    'entry_points:',
    '  a:',
    '    command: "echo }"',
    '  b:',
    '    command: "echo {"',
    '  c:',
    '    command: "echo {} {0}"',
    '  d:',
    '    parameters: {p: string}',
    '    command: "echo {p:>5} {p!r} {p:.2f}"',
    '',
  ].join('\n');
  const { diagnostics, project } = parse(text);
  const msgs = diagnostics.map((d) => [d.range.start.line, covered(text, d), d.message]);
  assert.equal(msgs.length, 5, JSON.stringify(msgs, null, 1));
  assert.deepEqual(msgs[0].slice(0, 2), [2, '}']);
  assert.match(String(msgs[0][2]), /Single '\}'/);
  assert.deepEqual(msgs[1].slice(0, 2), [4, '{']);
  assert.match(String(msgs[1][2]), /Single '\{'/);
  assert.deepEqual(msgs[2].slice(0, 2), [6, '{}']);
  assert.deepEqual(msgs[3].slice(0, 2), [6, '{0}']);
  assert.deepEqual(msgs[4].slice(0, 2), [9, '{p:.2f}']);
  assert.equal(project?.entryPoints[3].errors.length, 1);
});

test('diagnostics: several environments mark every env key; missing env files mark the value', () => {
  const text = `name: x\npython_env: python_env.yaml\ndocker_env:\n  image: img\nentry_points:\n  main:\n    command: "x"\n`;
  const { project, diagnostics } = parse(text, { 'python_env.yaml': '' });
  assert.equal(diagnostics.length, 2);
  assert.deepEqual(
    diagnostics.map((d) => covered(text, d)),
    ['python_env', 'docker_env'],
  );
  assert.equal(diagnostics[0].message, "Project cannot contain multiple environment fields: {'python_env', 'docker_env'}");
  assert.equal(project?.errors.length, 1);

  const t2 = `python_env: envs/py.yaml\nentry_points:\n  main:\n    command: "x"\n`;
  const r2 = parse(t2);
  assert.equal(r2.diagnostics.length, 1);
  assert.equal(covered(t2, r2.diagnostics[0]), 'envs/py.yaml');
  assert.equal(r2.diagnostics[0].message, `Project specified python_env file ${path.join(r2.dir, 'envs/py.yaml')}, but no such file was found.`);
  const t3 = `conda_env: conda.yml\n`;
  const r3 = parse(t3);
  assert.equal(r3.diagnostics[0].message, `Project specified conda environment file ${path.join(r3.dir, 'conda.yml')}, but no such file was found.`);
});

test('diagnostics: docker_env checks with MLflow messages', () => {
  const noImage = `docker_env:\n  volumes: ["/a:/b"]\n`;
  const r = parse(noImage);
  assert.equal(r.diagnostics[0].message, 'Project configuration (MLproject file) was invalid: Docker environment specified but no image attribute found.');
  assert.equal(covered(noImage, r.diagnostics[0]), 'docker_env');
  const badVolumes = `docker_env:\n  image: x\n  volumes: "/a:/b"\n  environment: [["NEW", "v"], "COPY", 3]\n`;
  const b = parse(badVolumes);
  assert.equal(b.diagnostics.length, 2);
  assert.match(b.diagnostics[0].message, /Docker volumes must be a list of strings/);
  assert.equal(covered(badVolumes, b.diagnostics[0]), '"/a:/b"');
  assert.match(b.diagnostics[1].message, /environment must be a list containing either strings/);
  const good = parse(`docker_env:\n  image: x\n  volumes: ["/a:/b"]\n  environment: [["NEW", "v"], "COPY"]\n`);
  assert.deepEqual(good.project?.env.docker, { image: 'x', volumes: ['/a:/b'], environment: [['NEW', 'v'], 'COPY'] });
});

test('diagnostics: malformed entry points and parameters', () => {
  const text = [
    'entry_points:',
    '  nocmd:',
    '    parameters: {a: string}',
    '  numcmd:',
    '    command: 42',
    '  empty:',
    '  params:',
    '    parameters:',
    '      p:',
    '      q: 3',
    '    command: "x"',
    '',
  ].join('\n');
  const { diagnostics, project } = parse(text);
  const got = diagnostics.map((d) => [d.range.start.line, covered(text, d)]);
  assert.deepEqual(got, [
    [1, 'nocmd'],
    [4, '42'],
    [5, 'empty'],
    [8, 'p'],
    [9, '3'],
  ]);
  assert.match(diagnostics[0].message, /Entry point nocmd has no command/);
  assert.deepEqual(
    project?.entryPoints.map((e) => e.errors.length),
    [1, 1, 1, 2],
  );
});

test('diagnostics: YAML 1.1 typing problems (value tag, bad timestamps) and non-mapping files', () => {
  const text = `entry_points:\n  main:\n    parameters:\n      a: {type: string, default: =}\n      b: {type: string, default: 2020-13-01}\n    command: "x {a} {b}"\n`;
  const { diagnostics } = parse(text);
  assert.deepEqual(
    diagnostics.map((d) => [d.range.start.line, covered(text, d)]),
    [
      [3, '='],
      [4, '2020-13-01'],
    ],
  );
  assert.match(diagnostics[0].message, /tag:yaml.org,2002:value/);
  const list = parse('- a\n- b\n');
  assert.equal(list.project, undefined);
  assert.match(list.diagnostics[0].message, /must be a mapping/);
  const empty = parse('');
  assert.equal(empty.project, undefined);
  assert.match(empty.diagnostics[0].message, /empty/);
  const ep = parse('entry_points: [a]\n');
  assert.match(ep.diagnostics[0].message, /entry_points must be a mapping/);
});

test('duplicate keys warn and keep PyYAML semantics (last wins)', () => {
  const text = `entry_points:\n  main:\n    command: "first"\n  main:\n    command: "second"\n`;
  const { diagnostics, project } = parse(text);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 'warning');
  assert.equal(diagnostics[0].range.start.line, 3);
  assert.equal(project?.entryPoints.length, 1);
  assert.equal(project?.entryPoints[0].command, 'second');
});
