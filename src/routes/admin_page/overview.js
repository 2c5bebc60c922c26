// The top of the page: how many leads are in each state (links that filter
// the list), and each form's funnel as a small inline SVG chart.

import { el } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = {
  views: "#9fb6d8", starts: "#6b92c8", submissions: "#2f66ad",
  delivered: "#2e7d45", spam: "#b3261e", held: "#a15c00",
};

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderCounts(list, states, current) {
  list.replaceChildren(...states.map(({ state, count }) =>
    el("li", { class: "c-" + state },
      el("a", { href: "#/?state=" + encodeURIComponent(state), "aria-current": state === current ? "true" : false },
        el("span", { class: "n" }, String(count)), state))));
}

const percent = (part, whole) => (whole > 0 ? Math.round((100 * part) / whole) + "%" : "–");

/** One form's funnel: a bar per step (totals over the period), then daily submissions. */
function chart(funnel, steps, days) {
  const totals = funnel.totals;
  const max = Math.max(1, ...steps.map((step) => totals[step]));
  const row = 18;
  const barsHeight = steps.length * row;
  const height = barsHeight + 58;
  const root = svg("svg", { viewBox: `0 0 320 ${height}`, role: "img" });
  const summary = steps.map((step) => `${totals[step]} ${step}`).join(", ");
  root.setAttribute("aria-label", `${funnel.form}, last ${days} days: ${summary}; `
    + `${percent(totals.submissions, totals.views)} of views submitted`);
  root.append(svg("title", {}, `${funnel.form}: ${summary}`));
  steps.forEach((step, index) => {
    const y = index * row;
    const width = Math.max(totals[step] > 0 ? 2 : 0, (190 * totals[step]) / max);
    root.append(
      svg("text", { x: 0, y: y + 12 }, step),
      svg("rect", { x: 78, y: y + 3, width, height: 12, rx: 2, fill: COLORS[step] || "#777" }),
      svg("text", { x: 82 + width, y: y + 13 }, String(totals[step])));
  });
  const note = `${percent(totals.starts, totals.views)} started · ${percent(totals.submissions, totals.views)} submitted · `
    + `${percent(totals.delivered, totals.submissions)} delivered`;
  root.append(svg("text", { x: 0, y: barsHeight + 14, class: "axis" }, note));
  const perDay = funnel.days.map((day) => day.counts.submissions);
  const dayMax = Math.max(1, ...perDay);
  const slot = 320 / perDay.length;
  funnel.days.forEach((day, index) => {
    const h = (26 * day.counts.submissions) / dayMax;
    const bar = svg("rect", {
      x: index * slot + 1, y: height - 4 - h, width: Math.max(1, slot - 2), height: Math.max(h, 1),
      fill: day.counts.submissions ? COLORS.submissions : "#dde1e8",
    });
    bar.append(svg("title", {}, `${day.day}: ${day.counts.submissions} submissions, ${day.counts.views} views`));
    root.append(bar);
  });
  root.append(svg("text", { x: 0, y: barsHeight + 28, class: "axis" }, "submissions per day"));
  return root;
}

export function renderFunnels(container, summary) {
  if (!summary.funnel.length) {
    container.replaceChildren(el("p", {}, "No forms configured."));
    return;
  }
  container.replaceChildren(...summary.funnel.map((funnel) =>
    el("figure", { class: "funnel", "data-form": funnel.form },
      el("figcaption", {}, funnel.form),
      chart(funnel, summary.steps, summary.days))));
}
