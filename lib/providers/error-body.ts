/**
 * The human message inside an error body of the OpenAI family (and most JSON APIs): `error` as a string,
 * `error.message`, `message`, `detail`, or FastAPI / pydantic validation details; the text itself when
 * it is none of those. Not redacted or cut: callers do both, in that order.
 */
export function errorBodyMessage(text: string): string {
  try {
    const json = JSON.parse(text);
    const err = json?.error;
    if (typeof err === 'string') return err;
    if (typeof err?.message === 'string') return err.message;
    if (typeof json?.message === 'string') return json.message;
    if (typeof json?.detail === 'string') return json.detail;
    const details = validationDetails(json?.detail ?? json?.message?.detail);
    if (details !== undefined) return details;
  } catch {
    // not JSON: use the text itself
  }
  return text;
}

/** FastAPI / pydantic validation details (Mistral's 422): `msg (loc)` of each entry. */
function validationDetails(detail: unknown): string | undefined {
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  return detail
    .map((d: { msg?: unknown; loc?: unknown }) => {
      const msg = typeof d?.msg === 'string' ? d.msg : JSON.stringify(d);
      return Array.isArray(d?.loc) ? `${msg} (${d.loc.join('.')})` : msg;
    })
    .join('; ');
}
