/**
 * The compare panel's HTML shell: a strict, nonce-only Content Security Policy, the module script and the
 * stylesheets. Pure (no 'vscode'): the adapter passes the webview's cspSource and resource URIs.
 */
import { randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random alphanumerics from a CSPRNG: a new one per render. */
export function makeNonce(length = 32): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface CompareHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview URI of dist/webview/compare.js */
  scriptUri: string;
  /** webview URIs of the stylesheets that exist */
  styleUris: string[];
  title: string;
}

export function compareCsp(cspSource: string, nonce: string): string {
  // cspSource in script-src lets the module import its lazily loaded chunks (ECharts) from dist/webview;
  // nothing inline runs without the nonce, and there is no eval.
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${cspSource}`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function compareHtml(o: CompareHtmlOptions): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(o.nonce)) throw new Error('the nonce must be alphanumeric');
  const csp = compareCsp(o.cspSource, o.nonce);
  if (/["<>]/.test(csp)) throw new Error('unexpected characters in the CSP source');
  const links = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta name="csp-nonce" content="${o.nonce}">
${links}
  <title>${escapeHtml(o.title)}</title>
</head>
<body data-nonce="${o.nonce}">
  <div id="app" aria-busy="true"></div>
  <script type="module" nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
