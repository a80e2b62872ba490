/**
 * Adopts the page's styles as constructed stylesheets: the CSP's style-src has no 'unsafe-inline', which
 * blocks <style> elements and style="" attributes, but not document.adoptedStyleSheets.
 */
import uplotCss from 'uplot/dist/uPlot.min.css';
import appCss from './compare.css';

export function adoptStyles(doc: Document = document): void {
  const sheets = [uplotCss, appCss].map((text) => {
    const s = new CSSStyleSheet();
    s.replaceSync(text);
    return s;
  });
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, ...sheets];
}
