// The admin API: the token lives in sessionStorage (this tab only) and goes
// out only as an Authorization header; no cookie is ever set.

const KEY = "leadrelay-admin-token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** Thrown when the token is missing or wrong: the page signs out. */
export class SignedOut extends Error {}

export async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + token.get(), Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await response.json().catch(() => null);
  if (response.status === 401) throw new SignedOut("That admin token is not right.");
  if (!response.ok) {
    throw new Error((reply && reply.error && reply.error.message) || "HTTP " + response.status);
  }
  return reply;
}

/** An element with attributes and children (strings become text, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** A time, short (lists) or to the second (a lead's page). */
export const when = (ms) => new Date(ms).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
export const whenExactly = (ms) => new Date(ms).toLocaleString();

/** A state as a badge. */
export const stateBadge = (state) => el("span", { class: "state state-" + state }, state);

/** What a row or a lead page may offer for a lead in `state`. */
export const canRetry = (state) => ["pending", "retrying", "dead"].includes(state);
export const canRelease = (state) => state === "spam";
