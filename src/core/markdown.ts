// Text from users (experiment, model and file names, descriptions) goes into the Markdown of hovers and
// documents. Escaped, it renders as the same characters and nothing else: no links (so no `command:` links), no
// emphasis, code, tables, headings, HTML or theme icons.

// Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one is never markup.
const punctuation = /[!-/:-@[-`{-~]/g;

/** `text` as Markdown that renders literally. */
export function escapeMarkdown(text: string): string {
  return (
    String(text)
      .replace(punctuation, '\\$&')
      // A line that is only spaces and tabs would end a paragraph; leading spaces would start a code block.
      .replace(/\r\n?/g, '\n')
      .replace(/\n[ \t]+/g, '\n')
  );
}
