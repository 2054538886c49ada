/** Policies from text for the tests, compiled for the registered destinations. */

import type { CompiledPolicy } from "../../components/policy";
import { compilePolicySource } from "../../components/policy";
import { type Alerts, alertCompilers } from "../../components/registry";

export function compilePolicyText(text: string, file = "<policy>"): CompiledPolicy<Alerts> {
  return compilePolicySource(text, file, alertCompilers()) as CompiledPolicy<Alerts>;
}
