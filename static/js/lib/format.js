// Numbers, shares and times as the pages show them.

export const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

// Like Python's round(), which the server-rendered numbers use.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const percent = (x) => (x == null ? "–" : `${roundHalfEven(x * 100)}%`);
export const fixed = (x, digits = 2) => (x == null ? "–" : x.toFixed(digits));

// "2026-05-01 14:03 UTC" from an ISO time in UTC, as the server writes it.
export const utcMinute = (iso) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

// "just now", "5 minutes ago", … for a time in the past.
export function ago(iso) {
  const seconds = Math.min(0, (new Date(iso).getTime() - Date.now()) / 1000); // never "in 1 minute" on a skewed clock
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [30, "day"], [12, "month"], [Infinity, "year"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) {
      return unit === "second" ? (Math.abs(value) < 45 ? "just now" : "a minute ago") : relative.format(Math.round(value), unit);
    }
    value /= size;
  }
  return "";
}
