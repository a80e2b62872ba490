import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown } from '../../src/core/markdown';

const hostile = [
  '[x](command:workbench.action.terminal.new)',
  '[x]: command:mlops.data.push\n\n[x]',
  '<command:mlops.data.push>',
  '<a href="command:x">y</a>',
  '![img](http://example.com/a.png)',
  '`code` **bold** _it_ ~~s~~ | a | b |',
  '# heading\n- item\n1. item\n> quote\n---',
  'name\n===',
  '$(alert) icon',
  'C:\\data\\raw [1].csv',
  '&#91;x&#93;(command:x)',
  'https://example.com www.example.com',
];

test('escaped text contains no unescaped Markdown punctuation', () => {
  for (const text of hostile) {
    const out = escapeMarkdown(text);
    // Remove escape pairs; what is left must have no ASCII punctuation at all.
    const rest = out.replace(/\\[!-/:-@[-`{-~]/g, '');
    assert.doesNotMatch(rest, /[!-/:-@[-`{-~]/, `${JSON.stringify(text)} -> ${JSON.stringify(out)}`);
  }
});

test('escaped text renders as the same characters, with no links or markup', async (t) => {
  let MarkdownIt: (new (opts: object) => { render(s: string): string }) | undefined;
  try {
    // A dev tool's dependency, not ours: imported by name so the typecheck does not need its types.
    const name = 'markdown-it';
    MarkdownIt = ((await import(name)) as { default: typeof MarkdownIt }).default;
  } catch {
    t.skip('markdown-it is not installed here, so the rendering check cannot run');
    return;
  }
  const md = new MarkdownIt!({ html: true, linkify: true });
  for (const text of hostile) {
    const html = md.render(escapeMarkdown(text));
    assert.doesNotMatch(html, /<(a|img|code|strong|em|s|h\d|li|blockquote|hr|table)\b/, `${JSON.stringify(text)} rendered ${html}`);
    const plain = html
      .replace(/<\/?p>/g, '')
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .trim();
    assert.equal(plain.replace(/\s+/g, ' '), text.replace(/\s+/g, ' ').trim(), 'the text reads the same');
  }
});
