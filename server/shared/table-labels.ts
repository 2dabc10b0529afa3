/**
 * Labels every data cell of a rendered page's tables with its column heading (`data-label`), so that
 * below the DSFR `md` breakpoint the stylesheet can show each row as stacked "heading : value" lines
 * instead of a table wider than the phone (app.css, "Tables on phones").
 *
 * Done once here, on the HTML every page renders, rather than by hand in each template: a table
 * added later is labelled too, and no template can forget it. It reads only our own templates'
 * markup (a `<thead>` row of `<th>` headings, then `<tbody>` rows), never user HTML: every value
 * in a template is escaped, so `<` inside a cell's text cannot open a tag.
 */

const TABLE = /<table\b[^>]*>[\s\S]*?<\/table>/g;
const HEAD = /<thead\b[^>]*>([\s\S]*?)<\/thead>/;
const HEADING = /<th\b([^>]*)>([\s\S]*?)<\/th>/g;
const BODY = /(<tbody\b[^>]*>)([\s\S]*?)(<\/tbody>)/g;
const ROW = /(<tr\b[^>]*>)([\s\S]*?)(<\/tr>)/g;
const CELL = /<(td|th)\b([^>]*)>/g;

function colspanOf(attributes: string): number {
  const match = /\bcolspan\s*=\s*"?(\d+)/.exec(attributes);
  return match ? Math.max(1, Number(match[1])) : 1;
}

/** Visible text of a heading: tags dropped (screen-reader-only parts included), white space folded. */
function headingText(inner: string): string {
  return inner
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function headingsOf(table: string): string[] {
  const head = HEAD.exec(table);
  if (!head) return [];
  const labels: string[] = [];
  for (const [, attributes, inner] of head[1]!.matchAll(HEADING)) {
    const text = headingText(inner!);
    for (let i = 0; i < colspanOf(attributes!); i++) labels.push(text);
  }
  return labels;
}

function labelRow(cells: string, labels: string[]): string {
  let column = 0;
  return cells.replace(CELL, (tag, name: string, attributes: string) => {
    const label = labels[column];
    column += colspanOf(attributes);
    if (!label || /\bdata-label\s*=/.test(attributes)) return tag;
    // Headings are already escaped HTML text (they come from the rendered page), so they go in as they are.
    return `<${name}${attributes} data-label="${label.replace(/"/g, '&quot;')}">`;
  });
}

export function labelTableCells(html: string): string {
  if (!html.includes('<table')) return html;
  return html.replace(TABLE, (table) => {
    const labels = headingsOf(table);
    if (labels.length === 0) return table;
    return table.replace(BODY, (_whole, open: string, rows: string, close: string) =>
      open + rows.replace(ROW, (_row, rowOpen: string, cells: string, rowClose: string) => rowOpen + labelRow(cells, labels) + rowClose) + close,
    );
  });
}
