/** Replaces e-mail addresses and link tokens in a diagnostic text (SES errors quote addresses). */
export function redact(text: string): string {
  return text
    .replace(/[^\s<>"',;:]+@[^\s<>"',;:]+/g, '<address>')
    .replace(/token=[A-Za-z0-9_-]+/g, 'token=<token>');
}
