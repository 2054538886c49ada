/**
 * What differs between the two products, in one place: which event field carries the id, how
 * people and tags name it, where events come from, which fields say who or what an event is
 * about, and which fields group events that must stay in order. Destinations look these facts
 * up instead of branching on the product.
 */
import type { Product } from "./events";

export interface ProductFacts {
  /** Event field holding the id: EZCA events carry EventID, EZMonitor alerts VulnerabilityID. */
  readonly idField: "EventID" | "VulnerabilityID";
  /** The id as people read it in alert titles: "Event ID 4888", "Vulnerability ID 18". */
  readonly idLabel: string;
  /** The id as a tag key: event_id:4888, vulnerability_id:18. */
  readonly idTag: string;
  /** Host the product sends from (samples and smoke tests). */
  readonly host: string;
  /** Event fields naming the acting user and client address, or the domain, for SIEM entities. */
  readonly entities: { readonly user?: string; readonly ip?: string; readonly domain?: string };
  /** Event fields that group events which must stay in order (one CA, one domain); first present wins. */
  readonly orderingFields: readonly string[];
}

export const PRODUCT_FACTS: Readonly<Record<Product, ProductFacts>> = {
  EZCA: {
    idField: "EventID",
    idLabel: "Event ID",
    idTag: "event_id",
    host: "ezca.keytos.io",
    entities: { user: "User", ip: "ClientIP" },
    orderingFields: ["CAId", "CAName"],
  },
  EZMonitor: {
    idField: "VulnerabilityID",
    idLabel: "Vulnerability ID",
    idTag: "vulnerability_id",
    host: "ezmonitor.keytos.io",
    entities: { domain: "Domain" },
    orderingFields: ["Domain"],
  },
};
