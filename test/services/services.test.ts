/**
 * Proves the real test services are up and behave like production peers: SASL/PLAIN on the
 * Kafka broker (good and bad credentials, ACLs enforced) and CloudWatch Logs on moto.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from "kafkajs";
import { describe, expect, inject, it } from "vitest";
import { sampleEvent } from "../../components/catalog";
import { toCloudWatchEvent } from "../../components/cloudwatch/shape";
import { toKafkaRecord } from "../../components/kafka/shape";

const services = inject("services");

const kafkaClient = (user: { username: string; password: string }) =>
  new Kafka({
    clientId: "services-test",
    brokers: services.kafka.brokers,
    sasl: { mechanism: "plain", ...user },
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  });

describe("Kafka broker (KRaft, SASL/PLAIN, ACLs)", () => {
  it("the sender produces and consumes over SASL once granted ACLs on its topic", async () => {
    const topic = `svc-smoke-${Date.now()}`;
    const groupId = `svc-smoke-group-${Date.now()}`;
    const admin = kafkaClient(services.kafka.admin).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const principal = `User:${services.kafka.sender.username}`;
    const grant = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal,
      host: "*",
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
        grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE),
        grant(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
        grant(AclResourceTypes.GROUP, groupId, AclOperationTypes.READ),
      ],
    });
    await admin.disconnect();

    const sender = kafkaClient(services.kafka.sender);
    const producer = sender.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const record = toKafkaRecord(sampleEvent("EZCA", 4888));
    await producer.send({ topic, acks: -1, messages: [record] });
    await producer.disconnect();

    const consumer = sender.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no message within 20s")), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString() ?? "");
        },
      });
    });
    await consumer.disconnect();
    expect(received).toBe(record.value);
  });

  it("rejects a wrong password with a SASL authentication error", async () => {
    const producer = kafkaClient(services.kafka.wrongPassword).producer();
    await expect(producer.connect()).rejects.toMatchObject({ name: "KafkaJSSASLAuthenticationError" });
  });

  it("enforces ACLs: an authenticated user without grants cannot write", async () => {
    const topic = `svc-acl-${Date.now()}`;
    const admin = kafkaClient(services.kafka.admin).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafkaClient(services.kafka.outsider).producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: "x" }] })).rejects.toThrow(/authoriz/i);
    await producer.disconnect();
  });
});

describe("moto (AWS emulator)", () => {
  it("CloudWatch Logs: CreateLogGroup + PutLogEvents + GetLogEvents round trip", async () => {
    const client = new CloudWatchLogsClient({
      endpoint: services.moto.endpoint,
      region: services.moto.region,
      credentials: services.moto.credentials,
    });
    const logGroupName = `/keytos/svc-smoke-${Date.now()}`;
    const logStreamName = "ezca";
    await client.send(new CreateLogGroupCommand({ logGroupName }));
    await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    const event = toCloudWatchEvent(sampleEvent("EZCA", 4882, { time: Date.now() / 1000 }));
    const put = await client.send(
      new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: [event] }),
    );
    expect(put.rejectedLogEventsInfo).toBeUndefined();
    const got = await client.send(
      new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true }),
    );
    expect(got.events?.map((e) => e.message)).toEqual([event.message]);
    client.destroy();
  });
});
