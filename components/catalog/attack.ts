/**
 * MITRE ATT&CK tactics and techniques of the catalog's events, where they fit the event, in
 * ATT&CK's own names (tactic short names, parent technique ids: Sentinel's scheduled-rule API
 * takes no sub-techniques). Events that are operational (renewals, CRL publication, scan
 * hygiene) carry none rather than a forced fit. Destinations and the Sigma export read them.
 */

/** ATT&CK tactic short names (x_mitre_shortname), as Sigma's `attack.<tactic>` tags spell them. */
export type AttackTactic =
  | "credential-access"
  | "defense-evasion"
  | "impact"
  | "persistence"
  | "privilege-escalation"
  | "resource-development";

export interface Attack {
  readonly tactics: readonly AttackTactic[];
  /** Technique ids, e.g. T1098. */
  readonly techniques: readonly string[];
}

const ATTACK: Readonly<Record<string, Attack>> = {
  // Permission changes on a CA: a foothold that survives (T1098 Account Manipulation).
  "EZCA:4882": { tactics: ["persistence", "privilege-escalation"], techniques: ["T1098"] },
  // Denied CA change: an attempt to widen one's rights over the CA.
  "EZCA:92": { tactics: ["privilege-escalation"], techniques: ["T1098"] },
  // New or rejected subordinate CAs: trust anchors an attacker could use (T1553 Subvert Trust Controls).
  "EZCA:23": { tactics: ["defense-evasion"], techniques: ["T1553"] },
  "EZCA:28": { tactics: ["defense-evasion", "persistence"], techniques: ["T1553"] },
  "EZCA:22": { tactics: ["defense-evasion", "persistence"], techniques: ["T1553"] },
  // Deleted CA: destroys issuance and revocation (T1485 Data Destruction).
  "EZCA:19": { tactics: ["impact"], techniques: ["T1485"] },
  // Denied certificate request: an attempt to obtain an authentication certificate (T1649).
  "EZCA:4888": { tactics: ["credential-access", "privilege-escalation"], techniques: ["T1649"] },
  // Issued certificate: a credential (T1649 Steal or Forge Authentication Certificates).
  "EZCA:4887": { tactics: ["credential-access"], techniques: ["T1649"] },
  // Revoked certificate: locks services or users out (T1531 Account Access Removal).
  "EZCA:4870": { tactics: ["impact"], techniques: ["T1531"] },
  // Look-alike domains: acquired infrastructure for phishing (T1583 Acquire Infrastructure).
  "EZMonitor:12": { tactics: ["resource-development"], techniques: ["T1583"] },
  "EZMonitor:13": { tactics: ["resource-development"], techniques: ["T1583"] },
  // Takeover-prone or unexpected sub domains: compromised infrastructure (T1584).
  "EZMonitor:18": { tactics: ["resource-development"], techniques: ["T1584"] },
  "EZMonitor:25": { tactics: ["resource-development"], techniques: ["T1584"] },
  // Certificates for your domains from another CA: obtained capabilities (T1588 Digital Certificates).
  "EZMonitor:20": { tactics: ["resource-development"], techniques: ["T1588"] },
  "EZMonitor:29": { tactics: ["resource-development"], techniques: ["T1588"] },
};

const NONE: Attack = { tactics: [], techniques: [] };

/** Tactics and techniques for an event key ("EZCA:4888"); empty lists when none fit. */
export function attackOf(key: string): Attack {
  return ATTACK[key] ?? NONE;
}
