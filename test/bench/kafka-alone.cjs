// @confluentinc/kafka-javascript producing alone: the records the sink would send (key, value,
// headers, timestamp; prebuilt, one per line, tab-separated) with the sink's own producer settings,
// as fast as librdkafka takes them; exits once every delivery report is in.
//   node kafka-alone.cjs <settings.json> <topic> <records.tsv>   prints {"delivered":N,"failed":N}
"use strict";
const { readFileSync } = require("node:fs");
const { Producer } = require("@confluentinc/kafka-javascript");

const [settingsFile, topic, recordsFile] = process.argv.slice(2);
const lines = readFileSync(recordsFile, "utf8").split("\n").filter(Boolean);
const producer = new Producer(JSON.parse(readFileSync(settingsFile, "utf8")), {});
const QUEUE_FULL = -184;
let delivered = 0;
let failed = 0;

producer.on("delivery-report", (err) => {
  if (err) failed++;
  else delivered++;
  if (delivered + failed === lines.length) {
    producer.disconnect(5000, () => {
      process.stdout.write(`${JSON.stringify({ delivered, failed })}\n`);
      process.exit(failed === 0 ? 0 : 1);
    });
  }
});

function produceFrom(first) {
  for (let i = first; i < lines.length; i++) {
    const [key, value, timestamp, source, sourcetype, event_id, record_id] = lines[i].split("\t");
    const headers = [{ source }, { sourcetype }, { event_id }, { record_id }];
    try {
      producer.produce(topic, null, Buffer.from(value), key, Number(timestamp), null, headers);
    } catch (err) {
      if (err.code !== QUEUE_FULL) throw err;
      setTimeout(() => produceFrom(i), 5); // librdkafka's queue is full: let it drain
      return;
    }
  }
}

producer.connect({ timeout: 10_000 }, (err) => {
  if (err) {
    console.error(`connect: ${err.message}`);
    process.exit(1);
  }
  producer.setPollInBackground(true);
  produceFrom(0);
});
