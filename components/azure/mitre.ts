/**
 * MITRE ATT&CK tactics and techniques for the analytics rules, where they fit the event. Sentinel
 * takes parent technique ids only (no sub-techniques in the scheduled-rule API). Events that are
 * operational (renewals, CRL publication, scan hygiene) carry none rather than a forced fit.
 */
import type { AttackTactic } from "@pulumi/azure-native/types/enums/securityinsights";

export interface Attack {
  tactics: AttackTactic[];
  techniques: string[];
}

const ATTACK: Readonly<Record<string, Attack>> = {
  // Permission changes on a CA: a foothold that survives (T1098 Account Manipulation).
  "EZCA:4882": { tactics: ["Persistence", "PrivilegeEscalation"], techniques: ["T1098"] },
  // Denied CA change: an attempt to widen one's rights over the CA.
  "EZCA:92": { tactics: ["PrivilegeEscalation"], techniques: ["T1098"] },
  // New or rejected subordinate CAs: trust anchors an attacker could use (T1553 Subvert Trust Controls).
  "EZCA:23": { tactics: ["DefenseEvasion"], techniques: ["T1553"] },
  "EZCA:28": { tactics: ["DefenseEvasion", "Persistence"], techniques: ["T1553"] },
  "EZCA:22": { tactics: ["DefenseEvasion", "Persistence"], techniques: ["T1553"] },
  // Deleted CA: destroys issuance and revocation (T1485 Data Destruction).
  "EZCA:19": { tactics: ["Impact"], techniques: ["T1485"] },
  // Denied certificate request: an attempt to obtain an authentication certificate (T1649).
  "EZCA:4888": { tactics: ["CredentialAccess", "PrivilegeEscalation"], techniques: ["T1649"] },
  // Issued certificate: a credential (T1649 Steal or Forge Authentication Certificates).
  "EZCA:4887": { tactics: ["CredentialAccess"], techniques: ["T1649"] },
  // Revoked certificate: locks services or users out (T1531 Account Access Removal).
  "EZCA:4870": { tactics: ["Impact"], techniques: ["T1531"] },
  // Look-alike domains: acquired infrastructure for phishing (T1583 Acquire Infrastructure).
  "EZMonitor:12": { tactics: ["ResourceDevelopment"], techniques: ["T1583"] },
  "EZMonitor:13": { tactics: ["ResourceDevelopment"], techniques: ["T1583"] },
  // Takeover-prone or unexpected sub domains: compromised infrastructure (T1584).
  "EZMonitor:18": { tactics: ["ResourceDevelopment"], techniques: ["T1584"] },
  "EZMonitor:25": { tactics: ["ResourceDevelopment"], techniques: ["T1584"] },
  // Certificates for your domains from another CA: obtained capabilities (T1588 Digital Certificates).
  "EZMonitor:20": { tactics: ["ResourceDevelopment"], techniques: ["T1588"] },
  "EZMonitor:29": { tactics: ["ResourceDevelopment"], techniques: ["T1588"] },
};

/** Tactics and techniques for an event key ("EZCA:4888"); empty lists when none fit. */
export function attackFor(key: string): Attack {
  return ATTACK[key] ?? { tactics: [], techniques: [] };
}
