/**
 * The sender's inline IAM policy: PutLogEvents and CallWithBearerToken on this log group and
 * stream only, no wildcard resources (plus the group's KMS key, only through CloudWatch Logs).
 * JSON with sorted keys so re-runs show no diff.
 */
export function senderPolicyDocument(logGroupArn: string, logStreamArn: string, kmsKeyArn?: string): string {
  const statements: object[] = [
    {
      Action: ["logs:CallWithBearerToken", "logs:PutLogEvents"],
      Effect: "Allow",
      Resource: [logGroupArn, logStreamArn],
      Sid: "SendAuditEventsToThisLogGroupOnly",
    },
  ];
  if (kmsKeyArn) {
    // An encrypted group: the key, only through CloudWatch Logs, only for this log group.
    statements.push({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: {
        ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn },
        StringEquals: { "kms:ViaService": `logs.${kmsKeyArn.split(":")[3]}.amazonaws.com` },
      },
      Effect: "Allow",
      Resource: kmsKeyArn,
      Sid: "UseThisLogGroupsKeyThroughCloudWatchLogsOnly",
    });
  }
  return JSON.stringify({ Statement: statements, Version: "2012-10-17" });
}
