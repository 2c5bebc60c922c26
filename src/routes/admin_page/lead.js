// One lead's page: who, where it stands and why, the original submission,
// the mapped member, the request a test lead would have sent, every attempt.

import { api, canRelease, canRetry, el, stateBadge, whenExactly as when } from "./api.js";

/** How the reason kept on a lead reads, by state. */
const REASONS = {
  spam: "Kept as spam",
  held: "Held: no lead can be sent yet",
  test: "Test submission",
  dead: "Refused for good",
  retrying: "Waiting to try again",
  pending: "Waiting",
  duplicate: "Agencyhandy already had it",
};

const json = (value) => el("pre", {}, JSON.stringify(value, null, 2));

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))]));
}

function submissionSection(stored) {
  const title = el("h3", {}, "Original submission");
  if (!stored) return el("section", {}, title, el("p", {}, "Purged (storage.retention_days) or erased."));
  const fields = (stored.submission && stored.submission.fields) || [];
  const meta = stored.meta || {};
  return el("section", { class: "submission" }, title,
    fields.length
      ? el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Input"), el("th", { scope: "col" }, "Value"))),
        el("tbody", {}, fields.map(([name, value]) => el("tr", {}, el("td", {}, name), el("td", {}, value)))))
      : el("p", {}, "No fields."),
    stored.submission && stored.submission.json && el("details", {}, el("summary", {}, "JSON body"), json(stored.submission.json)),
    el("h3", {}, "Request"),
    facts([["Received", meta.received_at], ["Content type", stored.content_type], ["IP", meta.ip],
      ["Origin", meta.origin], ["Referer", meta.referer], ["User agent", meta.user_agent]]));
}

function wouldSendSection(wouldSend) {
  if (!wouldSend) return null;
  const title = el("h3", {}, "Would be sent to Agencyhandy");
  if (wouldSend.error) return el("section", { class: "would-send" }, title, el("p", {}, wouldSend.error));
  const headers = Object.entries(wouldSend.headers || {}).map(([name, value]) => `${name}: ${value}`).join("\n");
  return el("section", { class: "would-send" }, title,
    el("p", {}, `${wouldSend.method} ${wouldSend.url} (Agencyhandy's ${wouldSend.generation} API); never sent.`),
    el("pre", { class: "headers" }, headers),
    json(wouldSend.body));
}

function attemptsSection(attempts, state) {
  const title = el("h3", {}, `Delivery attempts (${attempts.length})`);
  const none = state === "test" ? "None: a test lead is never sent." : "None yet.";
  if (!attempts.length) return el("section", { class: "attempts" }, title, el("p", {}, none));
  return el("section", { class: "attempts" }, title, el("table", {},
    el("thead", {}, el("tr", {}, ["#", "When", "HTTP status", "Took", "Answer"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, attempts.map((attempt, index) => el("tr", {},
      el("td", {}, String(index + 1)), el("td", {}, when(attempt.at_ms)),
      el("td", { class: "http-status" }, attempt.status === null ? "no answer" : String(attempt.status)),
      el("td", {}, attempt.duration_ms + " ms"), el("td", { class: "excerpt" }, attempt.excerpt))))));
}

/** Shows lead `id` in `section`; `act(action, ids)` runs Retry or Release. */
export async function showLead(section, id, backHash, act) {
  const lead = await api("GET", "/admin/leads/" + encodeURIComponent(id));
  const stored = lead.submission;
  const heading = el("h2", { tabindex: "-1" }, lead.name || lead.email || "(no e-mail)");
  const waiting = ["pending", "retrying"].includes(lead.state);
  section.replaceChildren(...[
    el("nav", {}, el("a", { href: backHash, class: "back" }, "← Back to leads")),
    el("div", { class: "lead-head" }, heading, stateBadge(lead.state)),
    facts([["E-mail", lead.email], ["Form", `${lead.form} (workspace ${lead.workspace})`],
      ["Received", when(lead.created_at_ms)], ["Attempts", lead.attempts],
      ["Next try", waiting ? when(lead.next_attempt_at_ms) : null],
      ["Agencyhandy member", lead.member_id], ["Lead ID", lead.id]]),
    lead.last_error && el("div", { class: "reason" + (lead.state === "test" ? " test" : ""), role: "note" },
      el("h3", {}, REASONS[lead.state] || "Last error"), el("p", {}, lead.last_error)),
    el("div", { class: "actions" },
      canRetry(lead.state) && el("button", { type: "button", class: "retry", onclick: () => act("retry", [lead.id]) }, "Retry"),
      canRelease(lead.state) && el("button", { type: "button", class: "release", onclick: () => act("release", [lead.id]) }, "Release")),
    wouldSendSection(stored && stored.would_send),
    submissionSection(stored),
    el("section", { class: "member" }, el("h3", {}, "Mapped member"),
      lead.member ? json(lead.member) : el("p", {}, "None: no lead could be made from the submission.")),
    attemptsSection(lead.attempt_log, lead.state)].filter(Boolean));
  heading.focus();
}
