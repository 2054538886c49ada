/**
 * The event catalog: every event Keytos EZCA and EZMonitor send to a SIEM, as the vendor's
 * export guides list them (../shared/seeds). One source of truth for components, policy and
 * exporter. Plain data, no Pulumi import, so the exporter can load it cheaply.
 *
 * EZMonitor ids overlap EZCA ids (19, 28, 12) and the key of an event is (product, id).
 */

export const PRODUCTS = ["EZCA", "EZMonitor"] as const;
export type Product = (typeof PRODUCTS)[number];

export const CRITICALITIES = ["High", "Medium", "Low"] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** Category of an event inside its product; ca/certificate for EZCA, the alert family for EZMonitor. */
export const CATEGORIES = {
  EZCA: ["ca", "certificate"],
  EZMonitor: ["certificate-transparency", "network-scan", "internal-network-scan"],
} as const satisfies Record<Product, readonly string[]>;
export type Category = (typeof CATEGORIES)[Product][number];

/** HEC `sourcetype` per category: the vendor's LogType names. */
export const SOURCETYPES = ["EZCA_CAs", "EZCA_Certificates", "EZMonitor_Alerts"] as const;
export type Sourcetype = (typeof SOURCETYPES)[number];

export interface CatalogEvent {
  readonly product: Product;
  readonly id: number;
  readonly category: Category;
  readonly summary: string;
  readonly description: string;
  readonly criticality: Criticality;
  /**
   * Why this criticality. The guides give one for EZCA events (source "guide"); for EZMonitor
   * alerts they give none, so this toolkit assigns one (source "toolkit"), overridable by policy.
   */
  readonly criticalitySource: "guide" | "toolkit";
  readonly criticalityReason: string;
  /** What a responder should do, used in alert messages. */
  readonly response: string;
}

type EventRow = Omit<CatalogEvent, "product" | "category" | "criticalitySource">;

const GUIDE = "criticality given by the Keytos export guide";

const EZCA_CA: EventRow[] = [
  {
    id: 4882,
    summary: "The security permissions for Certificate Services changed",
    description: "A change in CA settings that might give or remove critical permissions",
    criticality: "High",
    criticalityReason: GUIDE,
    response:
      "Low-frequency, high-impact change: confirm with the PKI administrator who made it; if unknown, treat the admin account as compromised.",
  },
  {
    id: 92,
    summary: "CA change denied due to insufficient permissions",
    description: "A user attempted to change CA settings without the proper permissions",
    criticality: "High",
    criticalityReason: GUIDE,
    response:
      "Possible privilege escalation against the CA's security configuration: identify the user and review their recent activity.",
  },
  {
    id: 23,
    summary: "Intermediate CA request rejected",
    description: "A new Intermediate CA request has been rejected",
    criticality: "High",
    criticalityReason: GUIDE,
    response: "Someone tried to create a subordinate CA that was rejected: confirm the request was expected.",
  },
  {
    id: 19,
    summary: "CA deleted",
    description: "This indicates that a CA was deleted",
    criticality: "High",
    criticalityReason: GUIDE,
    response:
      "Low-frequency, high-impact action: confirm the deletion was planned; if not, treat the PKI admin account as compromised.",
  },
  {
    id: 28,
    summary: "Intermediate CA was imported",
    description: "A new Intermediate CA has been created chaining to an external CA",
    criticality: "Medium",
    criticalityReason: GUIDE,
    response: "Confirm the imported intermediate and its external root are approved by the PKI owners.",
  },
  {
    id: 22,
    summary: "Intermediate CA created with EZCA Root",
    description: "A new Intermediate CA has been created chaining to an EZCA CA",
    criticality: "Medium",
    criticalityReason: GUIDE,
    response: "Confirm the new intermediate CA is part of an approved change.",
  },
  {
    id: 12,
    summary: "CA was renewed",
    description: "A CA has been renewed",
    criticality: "Low",
    criticalityReason: GUIDE,
    response: "Routine: make sure the renewed CA certificate is distributed where it is trusted.",
  },
];

const EZCA_CERTIFICATE: EventRow[] = [
  {
    id: 4888,
    summary: "Certificate request denied due to insufficient permissions",
    description: "A user attempted to request a certificate without the proper permissions",
    criticality: "High",
    criticalityReason: GUIDE,
    response:
      "Can be an attacker escalating privileges by requesting a certificate: identify the requester and the template.",
  },
  {
    id: 4870,
    summary: "A certificate has been revoked",
    description:
      "This can cause an outage if was done by mistake or the new certificate is not added to all the endpoints that use the certificate",
    criticality: "Medium",
    criticalityReason: GUIDE,
    response: "Confirm the revocation was intended and the replacement certificate is deployed everywhere.",
  },
  {
    id: 4872,
    summary: "Publish CRL",
    description:
      "This is an even that the CRL has been published, this does not have to be tracked as we take care of it for you.",
    criticality: "Low",
    criticalityReason: GUIDE,
    response: "None needed: Keytos publishes CRLs for you.",
  },
  {
    id: 4887,
    summary: "Certificate was created",
    description: "This event indicates a certificate was created successfully",
    criticality: "Low",
    criticalityReason: GUIDE,
    response: "Routine issuance; keep for audit.",
  },
];

const EZMONITOR_CT: EventRow[] = [
  {
    id: 12,
    summary: "A similar domain has been found.",
    description:
      "A domain that might be impersonating your domain was found please verify this domain is not being used to impersonate your organization.",
    criticality: "Medium",
    criticalityReason:
      "possible phishing infrastructure; needs review but is not yet an attack on your assets",
    response: "Check who owns the look-alike domain; start a takedown if it impersonates you.",
  },
  {
    id: 13,
    summary: "A similar domain with different Top Level Domain was found.",
    description:
      "A domain that might be impersonating your organization by using a different top domain (for example yourcompany.co instead of yourcompany.com) please verify this domain is not being used to impersonate your organization.",
    criticality: "Medium",
    criticalityReason: "possible phishing infrastructure on another TLD; needs review, not yet an attack",
    response: "Check who owns the domain; register or take it down if it impersonates you.",
  },
  {
    id: 18,
    summary: "Your domain is vulnerable to domain takeover.",
    description:
      "Your DNS record is pointing to an Azure resource that is no longer being used. please remove the CNAME record pointing to this resource to avoid a bad actor taking over your sub domain.",
    criticality: "High",
    criticalityReason:
      "a dangling CNAME lets anyone claim the resource and serve content as your subdomain today",
    response: "Remove the dangling CNAME record now.",
  },
  {
    id: 20,
    summary: "The certificate was issued from a different Root CA.",
    description:
      "A certificate was issued from a different Root CA, verify with your team to make sure this certificate was issued by someone in your organization.",
    criticality: "High",
    criticalityReason: "an unexpected issuer for your domain may be mis-issuance usable for interception",
    response: "Confirm the certificate was requested by your organization; if not, ask the CA to revoke it.",
  },
  {
    id: 25,
    summary: "A new sub domain was registered.",
    description:
      "A new sub domain found, please verify with that this action was done by someone in your organization.",
    criticality: "Low",
    criticalityReason: "usually routine change; worth a review for shadow IT",
    response: "Confirm the subdomain belongs to a known team and service.",
  },
  {
    id: 29,
    summary: "Certificate does not meet CAA policy.",
    description: "A certificate was issued by a CA not allowed by your CAA policy.",
    criticality: "High",
    criticalityReason: "issuance that violates your CAA record is mis-issuance by definition",
    response: "Report the certificate to the issuing CA for revocation and find who requested it.",
  },
];

const EZMONITOR_NETWORK: EventRow[] = [
  {
    id: 19,
    summary: "The newest certificate is not installed in your server.",
    description:
      "A certificate that is expiring soon has been renewed, but our systems detect that it has not been installed in all your web servers.",
    criticality: "Medium",
    criticalityReason: "an outage follows when the old certificate expires; there is time to act",
    response: "Install the renewed certificate on every server that still serves the old one.",
  },
  {
    id: 26,
    summary: "No subject alternative name matches the domain.",
    description:
      "The certificate returned by the server does not have any subject names matching the domain, this can cause an error when the user is accessing the site.",
    criticality: "Medium",
    criticalityReason: "users already see certificate errors on this host (availability, not compromise)",
    response: "Bind a certificate whose SANs include this domain.",
  },
  {
    id: 27,
    summary: "The server did not serve a certificate when an HTTP request was sent",
    description:
      "The server did not return a certificate. Please make sure HTTPS is enabled and the server has a valid certificate and the certificate is binded to this domain.",
    criticality: "Medium",
    criticalityReason: "HTTPS is unavailable on this endpoint; availability and exposure risk",
    response: "Enable HTTPS and bind a valid certificate to this domain.",
  },
  {
    id: 28,
    summary: "Certificate contains wild-card Subject Alternate Name",
    description:
      "This Certificate contains a wild card subject alternate name. This type of subject alternate name can cause an outage since there is not record of where this certificate is being used. Please change this certificate to one containing the specific domains.",
    criticality: "Low",
    criticalityReason: "hygiene finding: wider blast radius if the key leaks, no active problem",
    response: "Plan to replace the wildcard with certificates naming specific hosts.",
  },
  {
    id: 40,
    summary: "Error validating installed certificate.",
    description:
      "The certificate served by the server was not valid. Please check the alert details on the steps needed to solve this issue.",
    criticality: "High",
    criticalityReason: "clients reject the served certificate now, or traffic is being intercepted",
    response: "Check the alert details and replace the invalid certificate.",
  },
  {
    id: 41,
    summary: "Error validating installed certificate chain.",
    description:
      "There was a problem validating the certificate chain of the certificate served by the server. Please follow the steps on the alert to remediate this issue.",
    criticality: "Medium",
    criticalityReason: "usually a missing intermediate: some clients fail, others do not",
    response: "Serve the full chain (leaf and intermediates) from the server.",
  },
  {
    id: 42,
    summary: "HTTPS Is Not Enforced",
    description:
      "Strict-Transport-Security header was not found. Please add this header to enforce HTTPS and prevent man in the middle attacks.",
    criticality: "Low",
    criticalityReason: "hardening finding (missing HSTS), no active failure",
    response: "Add a Strict-Transport-Security header.",
  },
  {
    id: 68,
    summary: "The certificate installed in the web server is expiring soon.",
    description:
      "The certificate installed in the web server is expiring soon. Please install the latest certificate to avoid an outage",
    criticality: "Medium",
    criticalityReason: "an outage is scheduled at expiry; time-bound but not yet failing",
    response: "Install the latest certificate before it expires.",
  },
  {
    id: 99,
    summary: "Certificate is expiring soon.",
    description:
      "Your domain’s certificate is expiring soon, and it has not been renewed. Renew your certificate and replace the expiring certificate to avoid an outage",
    criticality: "Medium",
    criticalityReason: "an outage is scheduled at expiry and no renewal exists yet",
    response: "Renew the certificate and replace it everywhere it is installed.",
  },
];

const EZMONITOR_INTERNAL: EventRow[] = [
  {
    id: 30,
    summary: "This Certificate Has Been Revoked",
    description:
      "This Certificate has been revoked and will rejected by clients. Please create a new certificate and install it in this endpoint.",
    criticality: "High",
    criticalityReason: "clients reject it, and a revoked key may be a compromised key still in use",
    response: "Issue and install a new certificate; find out why the old one was revoked.",
  },
  {
    id: 31,
    summary: "Self Signed Certificate",
    description: "This Certificate is self signed, please issue a certificate from a trusted authority.",
    criticality: "Medium",
    criticalityReason: "no chain of trust: users learn to click through warnings, enabling interception",
    response: "Replace it with a certificate from a trusted CA.",
  },
  {
    id: 32,
    summary: "The CRL was not accessible when EZMonitor tried downloading it",
    description:
      "EZMonitor was not able to download the CRL, make sure your CRL is available in your network",
    criticality: "High",
    criticalityReason:
      "revocation checks fail for every certificate of the CA: outages or revoked certs accepted",
    response: "Restore access to the CRL distribution point.",
  },
  {
    id: 33,
    summary: "SHA1 Certificate",
    description:
      "This certificate uses SHA1 hashing algorithm. This algorithm is no longer secure, please replace this certificate with a certificate using a stronger hashing algorithm.",
    criticality: "Medium",
    criticalityReason: "SHA-1 signatures are forgeable with collision attacks; plan replacement",
    response: "Reissue with SHA-256 or stronger.",
  },
  {
    id: 34,
    summary: "Weak Cryptographic Key",
    description:
      "This certificate uses a weak cryptographic algorithm. Please replace this certificate with a certificate using a stronger cryptographic key.",
    criticality: "High",
    criticalityReason: "a weak key can be broken offline and the certificate then impersonated",
    response: "Reissue with a strong key (RSA 3072+ or ECDSA P-256+) and revoke the old certificate.",
  },
  {
    id: 35,
    summary: "Current CRL is expired",
    description:
      "EZMonitor downloaded an expired CRL, make sure your CRL is updated in all your CRL endpoints.",
    criticality: "High",
    criticalityReason: "clients that check revocation fail closed on an expired CRL: a CA-wide outage",
    response: "Publish a fresh CRL to every CRL endpoint.",
  },
  {
    id: 36,
    summary: "Certificate is Missing SID Extension",
    description:
      "This certificate is missing the SID mapping and will not be accepted in Active Directory in future releases. learn more https://support.microsoft.com/en-us/topic/kb5014754-certificate-based-authentication-changes-on-windows-domain-controllers-ad2c23b0-15d8-4340-a468-4d4f3b188f16",
    criticality: "Medium",
    criticalityReason: "domain controllers in full enforcement (KB5014754) reject it for certificate logon",
    response: "Reissue the certificate with the SID security extension.",
  },
  {
    id: 37,
    summary: "The certificate was not found in any of your servers",
    description:
      "The certificate was found while scanning your PKI database, but it was not found in any of your web servers. Please make sure this certificate is not being used by any of your services.",
    criticality: "Low",
    criticalityReason: "inventory hygiene: an unused certificate is a key to retire",
    response: "Revoke the certificate if no service uses it.",
  },
];

function rows(product: Product, category: Category, list: EventRow[]): CatalogEvent[] {
  return list.map((row) => ({
    ...row,
    product,
    category,
    criticalitySource: product === "EZCA" ? "guide" : "toolkit",
  }));
}

/** Every event, in the guides' order. */
export const CATALOG: readonly CatalogEvent[] = Object.freeze([
  ...rows("EZCA", "ca", EZCA_CA),
  ...rows("EZCA", "certificate", EZCA_CERTIFICATE),
  ...rows("EZMonitor", "certificate-transparency", EZMONITOR_CT),
  ...rows("EZMonitor", "network-scan", EZMONITOR_NETWORK),
  ...rows("EZMonitor", "internal-network-scan", EZMONITOR_INTERNAL),
]);

/** The catalog key of an event, e.g. "EZCA:4888", "EZMonitor:18". */
export function eventKey(product: Product, id: number): string {
  return `${product}:${id}`;
}

const BY_KEY = new Map(CATALOG.map((e) => [eventKey(e.product, e.id), e]));

export function findEvent(product: Product, id: number): CatalogEvent | undefined {
  return BY_KEY.get(eventKey(product, id));
}

/** HEC sourcetype of an event: EZCA by category, all EZMonitor alerts share one. */
export function sourcetypeOf(event: Pick<CatalogEvent, "product" | "category">): Sourcetype {
  if (event.product === "EZMonitor") return "EZMonitor_Alerts";
  return event.category === "ca" ? "EZCA_CAs" : "EZCA_Certificates";
}
