// How the dashboard writes days, numbers and durations. No DOM: the browser tests format the API's
// answers with the same functions to compare them with what the pages show.

const DAY_MS = 86_400_000;

// Prediction dates are the starts of days in the server's TIME_ZONE; the dashboard shows them as days
// in the browser's own time zone, which for a retailer's analyst is the stores'.
const dayFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
});
const shortDayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });
const momentFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" });

/** "Thu, 10 Dec 2026" */
export function formatDay(iso: string | Date): string {
  return dayFormat.format(new Date(iso));
}

/** "8 Dec" */
export function formatShortDay(iso: string | Date): string {
  return shortDayFormat.format(new Date(iso));
}

/** "10 Dec 2026, 14:03:27" */
export function formatMoment(iso: string | Date): string {
  return momentFormat.format(new Date(iso));
}

/** "8 Dec – 13 Dec" (both days inclusive). */
export function formatWindow(start: string, end: string): string {
  return `${formatShortDay(start)} – ${formatShortDay(end)}`;
}

/** Local midnight of the day an instant falls on. */
export function startOfDay(value: string | Date): Date {
  const date = new Date(value);
  date.setHours(0, 0, 0, 0);
  return date;
}

/** Whole days from today to a day (negative: in the past). */
export function daysFromToday(iso: string, now: Date = new Date()): number {
  return Math.round((startOfDay(iso).getTime() - startOfDay(now).getTime()) / DAY_MS);
}

/** "overdue", "today", "tomorrow", "in 5 days" */
export function dueText(prediction: { overdue: boolean; nextPurchaseAt: string }, now?: Date): string {
  if (prediction.overdue) return "overdue";
  const days = daysFromToday(prediction.nextPurchaseAt, now);
  if (days <= 0) return "today";
  if (days === 1) return "tomorrow";
  return `in ${days} days`;
}

/** 0.8 → "80 %" */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** 1234.5 → "$1,234.50" */
export function formatUsd(amount: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(amount);
}

export function formatCount(count: number): string {
  return new Intl.NumberFormat("en-US").format(count);
}

export { DAY_MS };
