// Reads WebOb's plain-text error page (docs/compatibility.md C.12): "<status line>\n\n<explanation>\n\n <detail>  ".
const PLAIN_PAGE = /^(\d{3} [^\n]+)\n\n([^\n]*)\n\n (.*) {2}$/s;

/** The status line, explanation and detail of a WebOb plain-text page; undefined when `text` is not one. */
export function readWebObPage(text: string): { status: string; explanation: string; detail: string } | undefined {
  const match = PLAIN_PAGE.exec(text);
  return match ? { status: match[1], explanation: match[2], detail: match[3] } : undefined;
}

/** The detail a WebOb plain-text page shows (`''` for none); undefined when `text` is not such a page. */
export function webobDetail(text: string): string | undefined {
  return readWebObPage(text)?.detail;
}
