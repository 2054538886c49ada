/**
 * KQL checking with Microsoft's Kusto language service (@kusto/language-service-next, the
 * Kusto.Language parser/binder compiled to JavaScript): a query is parsed and bound against the
 * declared table schemas, so an unknown table, a misspelt column or a type error is a diagnostic.
 */
import { createRequire } from "node:module";
import { kqlTypeOf, type SentinelTable } from "./tables";

interface Diagnostic {
  Severity: string;
  Code: string;
  Message: string;
  Start: number;
  Length: number;
}
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): { Count: number; getItem(i: number): Diagnostic };
    };
  };
}

let kusto: KustoLanguage | undefined;
function language(): KustoLanguage {
  if (!kusto) {
    const require = createRequire(__filename);
    require("@kusto/language-service-next/bridge.min.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
    kusto = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  }
  return kusto;
}

/** `(TimeGenerated:datetime, EventID_d:real, ...)` */
export function kqlSchema(table: SentinelTable): string {
  return `(${table.columns.map((c) => `${c.name}:${kqlTypeOf(c.type)}`).join(", ")})`;
}

/** A checker bound to a workspace holding exactly these tables. */
export function kqlChecker(tables: readonly SentinelTable[]): (query: string) => string[] {
  const K = language();
  const symbols = tables.map((t) => new K.Symbols.TableSymbol.$ctor7(t.name, kqlSchema(t), null));
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.ctor("workspace", symbols));
  return (query) => {
    const diagnostics = K.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    return Array.from({ length: diagnostics.Count }, (_, i) => {
      const d = diagnostics.getItem(i);
      return `${d.Severity} ${d.Code} at ${d.Start}: ${d.Message}`;
    });
  };
}
