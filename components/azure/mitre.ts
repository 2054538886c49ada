/**
 * The catalog's MITRE ATT&CK tactics and techniques (catalog/attack.ts) as Sentinel's analytics
 * rules name them: tactics in PascalCase ("privilege-escalation" -> "PrivilegeEscalation").
 */
import type { AttackTactic } from "@pulumi/azure-native/types/enums/securityinsights";
import { attackOf } from "../catalog/attack";

export interface Attack {
  tactics: AttackTactic[];
  techniques: string[];
}

const pascal = (shortName: string) =>
  shortName.replace(/(^|-)([a-z])/g, (_m, _dash, letter: string) => letter.toUpperCase());

/** Tactics and techniques for an event key ("EZCA:4888"); empty lists when none fit. */
export function attackFor(key: string): Attack {
  const attack = attackOf(key);
  return {
    tactics: attack.tactics.map((t) => pascal(t) as AttackTactic),
    techniques: [...attack.techniques],
  };
}
