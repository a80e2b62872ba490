import crypto from 'node:crypto';

/** MLflow run ids: uuid4 as 32 hex characters. */
export function newRunId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

const ADJECTIVES = [
  'able',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'crisp',
  'eager',
  'fair',
  'gentle',
  'glad',
  'keen',
  'kind',
  'lucky',
  'merry',
  'neat',
  'proud',
  'quick',
  'quiet',
  'sharp',
  'shy',
  'smart',
  'spry',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'warm',
  'wise',
  'zesty',
];
const NOUNS = [
  'ant',
  'bass',
  'bear',
  'bee',
  'carp',
  'colt',
  'crab',
  'crow',
  'deer',
  'dove',
  'duck',
  'eel',
  'elk',
  'finch',
  'fox',
  'frog',
  'goat',
  'hare',
  'hawk',
  'koi',
  'lark',
  'lynx',
  'mole',
  'moth',
  'newt',
  'owl',
  'seal',
  'slug',
  'swan',
  'toad',
  'vole',
  'wren',
];

/** A readable run name like MLflow's "unequaled-grub-345". */
export function randomRunName(): string {
  const pick = (a: string[]) => a[crypto.randomInt(a.length)];
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${crypto.randomInt(1000)}`;
}
