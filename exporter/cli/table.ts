/** Terminal tables for the CLI (cli-table3): widths that fit the terminal, one look everywhere. */
import Table from "cli-table3";

const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

/** Column widths that fit the terminal; the last (widest) column takes what is left. */
export function widths(
  fixed: number[],
  min = 30,
  total = Math.max(process.stdout.columns ?? 140, 100),
): number[] {
  const used = fixed.reduce((a, b) => a + b, 0) + fixed.length + 2;
  return [...fixed, Math.max(total - used - 1, min)];
}

/** A wrapping table; compact tables have no lines between rows. */
export function table(head: string[], colWidths: number[], compact = true): Table.Table {
  return new Table({
    head,
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [] },
    ...(compact ? { chars: COMPACT } : {}),
  });
}
