// The customer view's picture: per category, each purchase day as a dot sized by the quantity bought,
// the 80 % window of the next purchase as a band, the predicted day as a diamond (red when overdue)
// and today as a dashed line. Drawn by Observable Plot; the table beside it says the same in words.
import * as Plot from "@observablehq/plot";
import { useEffect, useRef, useState } from "react";
import { DAY_MS, formatDay, formatWindow, startOfDay } from "./format";
import { type PurchaseDay, predictedTitle, type TimelinePrediction } from "./timeline-data";

const COLORS = {
  purchase: "#1d4f91",
  window: "#c7dbf5",
  next: "#b45309",
  overdue: "#b3261e",
  today: "#4b5563",
};

/** Long category names shortened for the axis (the full name is in the table and the tooltips). */
function axisLabel(category: string, max: number): string {
  return category.length <= max ? category : `${category.slice(0, max - 1)}…`;
}

export function TimelineChart({
  predictions,
  purchases,
}: {
  predictions: readonly TimelinePrediction[];
  purchases: readonly PurchaseDay[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [now] = useState(() => new Date());

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry!.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = container.current;
    if (!element || width === 0) return;
    const categories = predictions.map((p) => p.category);
    const narrow = width < 560;
    const labelChars = narrow ? 16 : 28;
    const today = startOfDay(now);
    const days = [
      today.getTime(),
      ...purchases.map((p) => p.day.getTime()),
      ...predictions.flatMap((p) => [Date.parse(p.windowStart), Date.parse(p.windowEnd) + DAY_MS]),
    ];
    const chart = Plot.plot({
      width,
      height: 48 + categories.length * (narrow ? 30 : 34),
      marginLeft: Math.min(
        width * 0.4,
        14 + 7.8 * Math.max(...categories.map((c) => axisLabel(c, labelChars).length)),
      ),
      marginRight: 16,
      style: { fontSize: "12px", color: "#1f2937", background: "transparent" },
      ariaLabel: "Purchase timeline per category",
      ariaDescription:
        "For each category: past purchase days as dots sized by quantity, the 80 % window of the next " +
        "purchase as a band, the predicted day as a diamond, today as a dashed line. The table below lists the same.",
      x: {
        type: "time",
        domain: [new Date(Math.min(...days) - 2 * DAY_MS), new Date(Math.max(...days) + 2 * DAY_MS)],
        grid: true,
        label: null,
        ticks: narrow ? 4 : 8,
      },
      y: { domain: categories, label: null, tickFormat: (c: string) => axisLabel(c, labelChars) },
      r: { range: [2.5, 8], domain: [0, Math.max(1, ...purchases.map((p) => p.quantity))] },
      marks: [
        Plot.barX(predictions, {
          y: "category",
          x1: (p: TimelinePrediction) => new Date(p.windowStart),
          // The window's last day is inclusive: the band covers it whole.
          x2: (p: TimelinePrediction) => new Date(Date.parse(p.windowEnd) + DAY_MS),
          fill: COLORS.window,
          insetTop: 4,
          insetBottom: 4,
          className: "prediction-window",
          title: (p: TimelinePrediction) =>
            `${p.category}: 80 % window ${formatWindow(p.windowStart, p.windowEnd)}`,
        }),
        // Drawn for the eye only: the legend and the table's statuses say where today is.
        Plot.ruleX([today], {
          stroke: COLORS.today,
          strokeDasharray: "4 3",
          className: "today",
          ariaHidden: "true",
        }),
        Plot.dot(purchases, {
          x: "day",
          y: "category",
          r: "quantity",
          fill: COLORS.purchase,
          fillOpacity: 0.85,
          className: "purchase-day",
          title: (p: PurchaseDay) => `${p.category}: bought ${p.quantity} on ${formatDay(p.day)}`,
        }),
        Plot.dot(predictions, {
          x: (p: TimelinePrediction) => new Date(p.nextPurchaseAt),
          y: "category",
          symbol: "diamond",
          r: 7,
          fill: (p: TimelinePrediction) => (p.overdue ? COLORS.overdue : COLORS.next),
          stroke: "white",
          strokeWidth: 1.5,
          className: "predicted-day",
          title: predictedTitle,
        }),
      ],
    });
    element.replaceChildren(chart);
    return () => chart.remove();
  }, [predictions, purchases, width, now]);

  return (
    <figure className="timeline">
      <div ref={container} className="timeline-plot" />
      <figcaption className="legend">
        <span>
          <svg width="14" height="14" aria-hidden="true">
            <circle cx="7" cy="7" r="5" fill={COLORS.purchase} />
          </svg>
          purchase day (size: quantity)
        </span>
        <span>
          <svg width="22" height="14" aria-hidden="true">
            <rect x="0" y="3" width="22" height="8" fill={COLORS.window} />
          </svg>
          80 % window
        </span>
        <span>
          <svg width="14" height="14" aria-hidden="true">
            <path d="M7 0 L14 7 L7 14 L0 7 Z" fill={COLORS.next} />
          </svg>
          predicted day
        </span>
        <span>
          <svg width="14" height="14" aria-hidden="true">
            <path d="M7 0 L14 7 L7 14 L0 7 Z" fill={COLORS.overdue} />
          </svg>
          overdue
        </span>
        <span>
          <svg width="14" height="14" aria-hidden="true">
            <line x1="7" y1="0" x2="7" y2="14" stroke={COLORS.today} strokeDasharray="4 3" />
          </svg>
          today
        </span>
      </figcaption>
    </figure>
  );
}
