/**
 * Why a call of a smoke check failed, in words that name the real cause: a refused credential
 * (401/403), nothing at that address (404), rate limiting (429), the service failing (5xx), or
 * no answer at all (network). Each check supplies what to look at for the first two, so a wrong
 * URL is never blamed on a key's scope, nor a service's outage on the settings.
 */

/** What to check, per cause, for one call. */
export interface Causes {
  /** 401/403: which credential, and what it needs. */
  credential: string;
  /** 404: what is missing, or which address setting to check. */
  notFound: string;
}

/** `what` failed with HTTP `status`: the cause and what to do. `said` is the service's own message. */
export function explainStatus(what: string, status: number, causes: Causes, said = ""): string {
  const detail = said.trim() ? ` (${said.trim().slice(0, 200)})` : "";
  if (status === 401 || status === 403)
    return `${what}: HTTP ${status}, the credential was refused: ${causes.credential}${detail}`;
  if (status === 404) return `${what}: HTTP 404, not found: ${causes.notFound}${detail}`;
  if (status === 429) return `${what}: HTTP 429, rate limited: wait a minute and run smoke again${detail}`;
  if (status >= 500)
    return `${what}: HTTP ${status}, the service failed (not a settings problem): run smoke again later${detail}`;
  return `${what}: HTTP ${status}${detail}`;
}

/** `what` got no answer from `target` (refused, reset, timed out, unknown host). */
export function explainNetwork(what: string, target: string, err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e.code ?? e.cause?.code;
  return `${what}: cannot reach ${target}${code ? ` (${code})` : ""}: check the address (site, endpoint) and the network: ${e.message ?? String(err)}`;
}
