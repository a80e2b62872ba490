/**
 * Imported first by webview/compare.ts, before any VS Code Elements (Lit) module: ES modules are evaluated
 * in import order, so `window.litNonce` is set before an element renders. Lit adopts element styles as
 * constructed stylesheets, which the panel's CSP allows; only where adoptedStyleSheets is missing does it
 * fall back to <style> elements, and then it stamps them with `window.litNonce`. VS Code's webviews are
 * Chromium, which has adoptedStyleSheets, so no <style> element is ever created (the browser tests check).
 * The shell puts the nonce on <body data-nonce>.
 */
declare global {
  interface Window {
    litNonce?: string;
  }
}

const nonce = document.body?.dataset.nonce;
if (nonce) window.litNonce = nonce;

export {};
