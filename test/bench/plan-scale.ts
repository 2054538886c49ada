/**
 * `plan` at fleet scale: 1 and 50 generated customer stacks (BENCH_PLAN_COUNTS; all four
 * destinations, the default policy's 27 alerted events) planned in one process. Reports time,
 * time per stack (linear growth means a flat per-stack figure) and peak RSS.
 */
import path from "node:path";
import { DESTINATIONS } from "../../components/registry";
import { planStack } from "../../stacks/plan";
import { fmt } from "./http-sinks";
import type { BenchSection } from "./report";

const ROOT = path.resolve(__dirname, "..", "..");

function customerConfig(i: number): Record<string, unknown> {
  const customer = `customer-${String(i).padStart(3, "0")}`;
  return {
    "keytos-siem:customer": customer,
    "keytos-siem:cloudwatch": { region: "us-east-1" },
    "keytos-siem:datadog": { site: "datadoghq.com" },
    "keytos-siem:azure": {
      location: "eastus",
      workspaceId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-${customer}/providers/Microsoft.OperationalInsights/workspaces/${customer}`,
    },
    "keytos-siem:kafka": { bootstrapServers: ["kafka:9093"], senderUsername: `${customer}-sender` },
    "keytos-siem:splunk": { managementUrl: `https://splunk.${customer}.example:8089` },
  };
}

export async function benchPlanScale(counts: number[]): Promise<BenchSection> {
  // As the `plan` command sets it in its own process: Pulumi stamps a stack trace on every internal
  // promise, and a planning process reports messages, not stacks (planStack itself changes nothing).
  Error.stackTraceLimit = 0;
  const rows: string[][] = [];
  const figures: Record<string, number> = {};
  let offset = 0;
  await planStack(customerConfig(999), { stack: "warm-up", projectRoot: ROOT }); // module loading
  for (const n of counts) {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    let resources = 0;
    for (let i = 0; i < n; i++)
      resources += (
        await planStack(customerConfig(offset + i), { stack: `s${offset + i}`, projectRoot: ROOT })
      ).totalResources;
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    offset += n;
    figures[`plan.${n}.seconds`] = seconds;
    figures[`plan.${n}.msPerStack`] = (seconds * 1000) / n;
    rows.push([
      String(n),
      fmt(resources),
      seconds.toFixed(1),
      fmt((seconds * 1000) / n),
      `${Math.round(peak / 2 ** 20)} MiB`,
    ]);
    process.stderr.write(`bench: plan x${n} done\n`);
  }
  return {
    title: "plan at fleet scale",
    note: `Generated customers with every destination (${DESTINATIONS.map((d) => d.key).join(", ")}) and the default policy, planned sequentially in one process under Pulumi mocks. Linear growth = flat ms per stack.`,
    head: ["stacks", "resources", "seconds", "ms per stack", "peak RSS"],
    rows,
    figures,
  };
}
