// Text into HTML: every value a page shows (alert summaries come from other services) is escaped, never trusted.
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
