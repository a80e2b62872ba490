/**
 * A name usable as the file name of a virtual document (editors and previews title their tabs by it): no
 * slashes, control characters or URI delimiters, at most 80 characters; `fallback` when nothing is left.
 */
export function tabTitle(name: string, fallback: string): string {
  return (
    name
      .replace(/[\\/\x00-\x1f%?#]+/g, ' ')
      .trim()
      .slice(0, 80) || fallback
  );
}
