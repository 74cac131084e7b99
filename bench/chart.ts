/**
 * A small SVG bar chart of the ratios: for each variant, its throughput ÷ the pass-through ceiling (a)
 * and ÷ the one-verify floor (b), with the 0.9 target marked. Plain SVG, no dependencies.
 */
import type { CaseSummary } from "./summary.ts";

const WIDTH = 900;
const LABEL_WIDTH = 380;
const ROW_HEIGHT = 30;
const TOP = 58;
const MAX_RATIO = 1.2;
const COLORS = { ceiling: "#4e79a7", floor: "#f28e2b", target: "#b0413e" } as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderChart(summaries: readonly CaseSummary[], date: string): string {
  const rows = summaries.filter(
    (s) => (s.case.section === "main" || s.case.section === "scaling") && s.case.id !== "a",
  );
  const plotWidth = WIDTH - LABEL_WIDTH - 60;
  const x = (value: number) => LABEL_WIDTH + (Math.min(value, MAX_RATIO) / MAX_RATIO) * plotWidth;
  const height = TOP + rows.length * ROW_HEIGHT + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="14" font-weight="600">edge-auth throughput ratios (higher is better) — ${escapeXml(date)}</text>`,
    `<rect x="12" y="32" width="12" height="10" fill="${COLORS.ceiling}"/><text x="30" y="41">÷ (a) pass-through ceiling</text>`,
    `<rect x="210" y="32" width="12" height="10" fill="${COLORS.floor}"/><text x="228" y="41">÷ (b) one-verify floor (same algorithm)</text>`,
    `<line x1="470" y1="37" x2="490" y2="37" stroke="${COLORS.target}" stroke-dasharray="4 3"/><text x="496" y="41">0.9 target</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1, MAX_RATIO]) {
    const tx = x(tick);
    parts.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${TOP + rows.length * ROW_HEIGHT}" stroke="#ddd"/>`,
      `<text x="${tx}" y="${TOP + rows.length * ROW_HEIGHT + 16}" text-anchor="middle" fill="#555">${tick.toFixed(2)}</text>`,
    );
  }
  const target = x(0.9);
  parts.push(
    `<line x1="${target}" y1="${TOP - 6}" x2="${target}" y2="${TOP + rows.length * ROW_HEIGHT}" stroke="${COLORS.target}" stroke-dasharray="4 3"/>`,
  );
  rows.forEach((summary, index) => {
    const y = TOP + index * ROW_HEIGHT;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 17}" text-anchor="end">${escapeXml(summary.case.label)}</text>`,
    );
    const bars: [number, string][] = [
      [summary.toCeiling, COLORS.ceiling],
      [summary.toFloor, COLORS.floor],
    ];
    bars.forEach(([value, color], bar) => {
      if (!Number.isFinite(value)) return;
      const by = y + 4 + bar * 11;
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${Math.max(1, x(value) - LABEL_WIDTH)}" height="10" fill="${color}"/>`,
        `<text x="${x(value) + 4}" y="${by + 9}" font-size="10" fill="#333">${value.toFixed(2)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
