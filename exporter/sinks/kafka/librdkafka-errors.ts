/**
 * librdkafka's errors in the kafkajs engine's terms (refusals.ts): which stop the run, which
 * dead-letter the records, which are retried.
 */
import type { SendOutcome } from "../../pipeline/sink";
import { RdCode, type RdError } from "./librdkafka-module";
import { refusal } from "./refusals";
import type { KafkaTarget } from "./settings";

/** What the client said, with librdkafka's name for the code: `ERR_TOPIC_AUTHORIZATION_FAILED: ...`. */
const said = (e: RdError) =>
  `${Object.entries(RdCode).find(([, c]) => c === e.code)?.[0] ?? `librdkafka error ${e.code}`}: ${e.message}`;

/**
 * The kafkajs engine's classification in librdkafka's codes: a refused credential, a missing
 * topic or grant stops the run (the events stay in the spool); a rejected record is
 * dead-lettered; an unreachable cluster and the rest are retried. A fatal producer error (the
 * idempotent producer refused) is classified by its cause, which librdkafka reports apart.
 */
export function classifyLibrdkafkaError(
  err: RdError,
  target: KafkaTarget,
  username: string,
  fatalCause?: RdError,
): SendOutcome {
  const e = err.code === RdCode.ERR__FATAL && fatalCause ? fatalCause : err;
  switch (e.code) {
    case RdCode.ERR__AUTHENTICATION:
    case RdCode.ERR_SASL_AUTHENTICATION_FAILED:
      return refusal.authentication(username, said(e));
    case RdCode.ERR__UNKNOWN_TOPIC:
    case RdCode.ERR_UNKNOWN_TOPIC_OR_PART:
      return refusal.unknownTopic(target, said(e));
    case RdCode.ERR_TOPIC_AUTHORIZATION_FAILED:
      return refusal.topicAuthorization(target, username, said(e));
    case RdCode.ERR_CLUSTER_AUTHORIZATION_FAILED:
      return refusal.clusterAuthorization(target, username, said(e));
    case RdCode.ERR_MSG_SIZE_TOO_LARGE:
    case RdCode.ERR_RECORD_LIST_TOO_LARGE:
      return { kind: "too-large", reason: said(e) };
    case RdCode.ERR_INVALID_RECORD:
    case RdCode.ERR_CORRUPT_MESSAGE:
      return { kind: "permanent", reason: said(e) };
    case RdCode.ERR__TRANSPORT:
    case RdCode.ERR__ALL_BROKERS_DOWN:
    case RdCode.ERR__RESOLVE:
    case RdCode.ERR__TIMED_OUT:
    case RdCode.ERR__MSG_TIMED_OUT:
      return refusal.unreachable(target, said(e));
    default:
      return { kind: "retryable", reason: said(e) };
  }
}

/** A fatal error's cause from its log line ("Fatal error: Broker: Cluster authorization failed: ..."). */
export function fatalCause(message: string): RdError | undefined {
  const code = /Cluster authorization failed/.test(message)
    ? RdCode.ERR_CLUSTER_AUTHORIZATION_FAILED
    : /Topic authorization failed/.test(message)
      ? RdCode.ERR_TOPIC_AUTHORIZATION_FAILED
      : undefined;
  return code === undefined ? undefined : Object.assign(new Error(message), { code });
}
