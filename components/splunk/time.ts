/**
 * Splunk relative time modifiers (`-5m@m`, `@h`, `now`, epoch seconds), as the saved searches'
 * dispatch window and the search export's earliest_time / latest_time use them. Snapping is in
 * UTC (a real Splunk snaps in the search head's time zone: the same for minutes and hours).
 */

const UNITS: Record<string, "s" | "m" | "h" | "d" | "w" | "mon" | "y"> = {
  s: "s",
  sec: "s",
  secs: "s",
  second: "s",
  seconds: "s",
  m: "m",
  min: "m",
  mins: "m",
  minute: "m",
  minutes: "m",
  h: "h",
  hr: "h",
  hrs: "h",
  hour: "h",
  hours: "h",
  d: "d",
  day: "d",
  days: "d",
  w: "w",
  week: "w",
  weeks: "w",
  mon: "mon",
  month: "mon",
  months: "mon",
  y: "y",
  yr: "y",
  yrs: "y",
  year: "y",
  years: "y",
};

const SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;

const MODIFIER = /^(?:now|([+-])(\d+)([a-z]+))?(?:@([a-z]+))?$/;

/** Whether Splunk accepts `text` as a time modifier (the forms above; `rt` windows are not). */
export function isTimeModifier(text: string): boolean {
  return resolveTime(text, 0) !== undefined;
}

/** The epoch seconds `text` stands for at `now` (epoch seconds), or undefined if it is not a modifier. */
export function resolveTime(text: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "") return undefined;
  const m = MODIFIER.exec(text);
  if (!m) return undefined;
  const [, sign, amount, unitText, snapText] = m;
  const unit = unitText === undefined ? undefined : UNITS[unitText];
  const snap = snapText === undefined ? undefined : UNITS[snapText];
  if ((unitText !== undefined && !unit) || (snapText !== undefined && !snap)) return undefined;
  let t = new Date(now * 1000);
  if (unit) {
    const n = Number(amount) * (sign === "-" ? -1 : 1);
    if (unit === "mon") t.setUTCMonth(t.getUTCMonth() + n);
    else if (unit === "y") t.setUTCFullYear(t.getUTCFullYear() + n);
    else t = new Date(t.getTime() + n * SECONDS[unit] * 1000);
  }
  if (snap) t = snapTo(t, snap);
  return t.getTime() / 1000;
}

function snapTo(t: Date, unit: NonNullable<(typeof UNITS)[string]>): Date {
  const d = new Date(t.getTime());
  switch (unit) {
    case "y":
      d.setUTCMonth(0, 1);
      d.setUTCHours(0, 0, 0, 0);
      return d;
    case "mon":
      d.setUTCDate(1);
      d.setUTCHours(0, 0, 0, 0);
      return d;
    case "w":
      d.setUTCDate(d.getUTCDate() - d.getUTCDay()); // weeks start on Sunday, as @w (= @w0)
      d.setUTCHours(0, 0, 0, 0);
      return d;
    default: {
      const step = SECONDS[unit] * 1000;
      return new Date(Math.floor(d.getTime() / step) * step);
    }
  }
}
