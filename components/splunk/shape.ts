/**
 * The event as HEC stores it: the envelope's own metadata (time in epoch seconds, host, source,
 * sourcetype: EZCA_CAs, EZCA_Certificates or EZMonitor_Alerts as the catalog set them), the
 * configured index, and the event body. HEC takes no other top-level key, so a sender's extra
 * top-level fields (a `meta` object) travel inside the event, where searches find them; one that
 * would overwrite an event field is refused at the door instead.
 */
import { type Envelope, envelopeExtras } from "../catalog/envelope";

export interface HecEvent {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  index?: string;
  event: Record<string, unknown>;
}

/** Why the envelope cannot be stored as sent (an extra field named like an event field), if so. */
export function hecConflict(env: Envelope): string | undefined {
  for (const key of Object.keys(envelopeExtras(env))) {
    if (Object.hasOwn(env.event, key))
      return `top-level field "${key}" would overwrite the event's field ${key} (HEC keeps extra fields in the event): rename one of them`;
  }
  return undefined;
}

export function toHecEvent(env: Envelope, index: string | undefined): HecEvent {
  const extras = envelopeExtras(env);
  return {
    time: env.time,
    host: env.host,
    source: env.source,
    sourcetype: env.sourcetype,
    ...(index ? { index } : {}),
    event: Object.keys(extras).length > 0 ? { ...env.event, ...extras } : env.event,
  };
}
