/** Helpers for the destinations' plan tables (components/<key>/plan.ts). */
type Inputs = Record<string, unknown>;

/** The named inputs that are set (empty text counts as unset). */
export const pick =
  (...keys: string[]) =>
  (i: Inputs): Inputs =>
    Object.fromEntries(keys.filter((k) => i[k] !== undefined && i[k] !== "").map((k) => [k, i[k]]));
