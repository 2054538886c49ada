/** AWS CloudWatch Logs: the descriptor the registries loop over. */
import type { Region } from "@pulumi/aws/types/enums";
import type { Destination } from "../destination";
import { type CloudWatchAlert, cloudwatchAlerts } from "./alerts";
import { CLOUDWATCH_COMPONENT, checkCloudWatch, cloudwatchOutputs, cloudwatchSettings } from "./contract";
import { cloudwatchPlan } from "./plan";

export const cloudwatch = {
  key: "cloudwatch" as const,
  title: "AWS CloudWatch Logs",
  componentType: CLOUDWATCH_COMPONENT,
  settings: cloudwatchSettings,
  check: (s) => checkCloudWatch(s),
  outputs: cloudwatchOutputs,
  secrets: ["apiKey"] as const,
  alerts: cloudwatchAlerts,
  notifiesEveryAlert: (s) => s.alarmTopicArn !== undefined,
  deploy(s, ctx) {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { Provider } = require("@pulumi/aws/provider") as typeof import("@pulumi/aws/provider");
    const { CloudWatchDestination } = require("./component") as typeof import("./component");
    const profile = ctx.config("aws").get("profile");
    // The log group lives where the destination says, whatever aws:region the stack has.
    const provider = new Provider(`aws-${s.region}`, {
      region: s.region as Region,
      ...(profile ? { profile } : {}),
    });
    const cw = new CloudWatchDestination(
      "cloudwatch",
      { ...s, customer: ctx.customer, rules: ctx.rules, planOnly: ctx.planOnly },
      { providers: [provider] },
    );
    return {
      outputs: pulumi.output({
        region: cw.region,
        logGroupName: cw.logGroupName,
        logGroupArn: cw.logGroupArn,
        logStreamName: cw.logStreamName,
        ingestionEndpoint: cw.ingestionEndpoint,
        apiKeyId: cw.apiKeyId ?? null,
        alarmNames: cw.alarmNames,
      }),
      secrets: { apiKey: cw.apiKey },
    };
  },
  plan: cloudwatchPlan,
} satisfies Destination<typeof cloudwatchSettings, typeof cloudwatchOutputs, CloudWatchAlert>;
