/**
 * Terminal tables for the CLI (cli-table3), fitted to the terminal: columns that fit keep their
 * width, the widest give way and wrap at word boundaries (long words after - / : , | or a dot),
 * so no line is wider than the terminal and no cell is cut. `--wide` keeps every cell on one line.
 */
import Table from "cli-table3";

/** Width of a pipe or a file when $COLUMNS does not say: what every terminal shows. */
export const DEFAULT_COLUMNS = 80;

/** The width tables fit: the terminal's, else $COLUMNS, else 80. */
export function terminalColumns(
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (stdout.isTTY && stdout.columns) return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_COLUMNS;
}

/** How a command lays its tables out: fitted to `width`, or wide (natural widths, no wrapping). */
export interface Layout {
  width?: number;
}

export const layoutFor = (opts: { wide?: boolean }): Layout =>
  opts.wide ? {} : { width: terminalColumns() };

/** A cell; `undefined` continues the cell above it (one cell spanning rows). */
export type Cell = string | undefined;

// Break opportunities inside a word: after a dash, slash, colon, comma or pipe, and after a dot
// that starts a name (`.index(`), not one inside a number.
const BREAK = /(?<=[-/:,|])(?=[^-/:,|])|(?<=\.)(?=[A-Za-z])/;
const pieces = (word: string) => word.split(BREAK);
const lines = (text: string) => text.split("\n");

/** Width of the longest unbreakable piece: below it a word would be cut. */
function minContent(text: string): number {
  return Math.max(
    0,
    ...lines(text).flatMap((l) =>
      l
        .split(/\s+/)
        .flatMap(pieces)
        .map((p) => p.length),
    ),
  );
}

const natural = (text: string) => Math.max(0, ...lines(text).map((l) => l.length));

/**
 * Wraps text to `width` at spaces; a word longer than the width breaks inside (BREAK), and only a
 * piece longer than the width is cut.
 */
export function wrap(text: string, width: number): string {
  return lines(text)
    .flatMap((line) => {
      const out: string[] = [];
      let current = "";
      const add = (part: string, separator: string) => {
        const joined = current ? `${current}${separator}${part}` : part;
        if (joined.length <= width) {
          current = joined;
          return;
        }
        if (current) out.push(current);
        current = part;
        while (current.length > width) {
          out.push(current.slice(0, width));
          current = current.slice(width);
        }
      };
      for (const word of line.split(/\s+/).filter(Boolean)) {
        const fits = `${current} ${word}`.length <= width || word.length <= width;
        if (fits) add(word, " ");
        else for (const [i, piece] of pieces(word).entries()) add(piece, i === 0 ? " " : "");
      }
      out.push(current);
      return out;
    })
    .join("\n");
}

/** Text fitted to the layout's width (wide: as it is). */
export const paragraph = (text: string, layout: Layout) =>
  layout.width === undefined ? text : wrap(text, layout.width);

/**
 * Raises each column from `from` towards `to` within `budget`, the smallest needs first. A column
 * that cannot have all it needs takes a share only if `partial` (prose: more width, fewer lines);
 * a column of words gains nothing from a share, so the rest goes to the next.
 */
function fill(from: number[], to: number[], budget: number, partial: boolean[]): number[] {
  const widths = [...from];
  const need = (i: number) => (to[i] as number) - (widths[i] as number);
  let spare = budget - widths.reduce((a, b) => a + b, 0);
  const open = widths.map((_, i) => i).filter((i) => need(i) > 0);
  open.sort((a, b) => need(a) - need(b));
  open.forEach((i, k) => {
    const share = Math.max(0, Math.floor(spare / (open.length - k)));
    const last = k === open.length - 1;
    const give = need(i) <= share || last ? Math.min(need(i), Math.max(spare, 0)) : partial[i] ? share : 0;
    widths[i] = (widths[i] as number) + give;
    spare -= give;
  });
  return widths;
}

/** Content widths for columns of these natural and minimum widths in `width` terminal columns. */
export function fitColumns(
  naturals: number[],
  minimums: number[],
  width: number,
  prose: boolean[],
): number[] {
  const borders = naturals.length + 1;
  const padding = 2 * naturals.length;
  const budget = width - borders - padding;
  // First every column up to its longest piece (from a floor of 8, or less when it needs less),
  // then towards its natural width: narrow columns stay whole, the widest wrap.
  const floor = naturals.map((n) => Math.min(n, 8));
  const whole = fill(
    floor,
    minimums.map((m, i) => Math.min(m, naturals[i] as number)),
    budget,
    naturals.map(() => true),
  );
  return fill(whole, naturals, budget, prose);
}

/** The content width of each column: natural when wide, else fitted to the layout's width. */
export function columnWidths(head: string[], rows: Cell[][], layout: Layout): number[] {
  const columns = head.map((_, c) => [head[c] as string, ...rows.map((r) => r[c] ?? "")]);
  const naturals = columns.map((cells) => Math.max(...cells.map(natural)));
  if (layout.width === undefined) return naturals;
  return fitColumns(
    naturals,
    columns.map((cells) => Math.max(...cells.map(minContent))),
    layout.width,
    columns.map((cells) => cells.some((c) => /\S\s+\S/.test(c))),
  );
}

/**
 * A table fitted to `layout.width` (every cell wrapped to its column), or at natural widths when
 * the layout is wide. `compact` tables have no lines between rows.
 */
export function renderTable(head: string[], rows: Cell[][], layout: Layout, compact = false): string {
  const widths = columnWidths(head, rows, layout);
  const cell = (text: string, c: number) =>
    layout.width === undefined ? text : wrap(text, widths[c] as number);
  const t = new Table({
    head: head.map(cell),
    colWidths: widths.map((w) => w + 2),
    style: { head: [], border: [] },
    // cli-table3 0.6.5 truncates every cell to 10 columns for a debug message on each line it
    // draws, a character at a time for a multi-line cell: quadratic, half a second for a plan
    // (cli-table3 PR #362). A marker as wide as that makes it return at once. Cells are wrapped
    // to their column above, so nothing is truncated and the marker never shows.
    truncate: "…".repeat(10),
    ...(compact ? { chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } } : {}),
  });
  rows.forEach((row, r) => {
    const cells: Table.Cell[] = [];
    row.forEach((text, c) => {
      if (text === undefined) return; // spanned by the cell above
      let span = 1;
      while (r + span < rows.length && rows[r + span]?.[c] === undefined) span++;
      cells.push(span > 1 ? { content: cell(text, c), rowSpan: span } : cell(text, c));
    });
    t.push(cells);
  });
  return t.toString();
}
