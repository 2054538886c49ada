/** Helpers for the destinations' plan tables (components/<key>/plan.ts). */
type Inputs = Record<string, unknown>;

/** The named inputs that are set (empty text counts as unset). */
export const pick =
  (...keys: string[]) =>
  (i: Inputs): Inputs =>
    Object.fromEntries(keys.filter((k) => i[k] !== undefined && i[k] !== "").map((k) => [k, i[k]]));

/**
 * What `plan` shows for a value the cloud assigns on deploy (an ARN, an id, a key, an endpoint),
 * as `pulumi preview` does: the mocks answer it, so no made-up value looks real.
 */
export const KNOWN_AFTER_DEPLOY = "(known after deploy)";
